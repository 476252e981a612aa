package org.clengine.matmul;

import java.util.Locale;

/**
 * The scalars and epilogue of a GEMM: {@code C = relu?(alpha·op(A)·op(B) + beta·C + bias)}. {@code beta == 0}
 * never reads C, so C may hold anything (NaN included) beforehand, as in BLAS.
 */
public record MatmulParams(float alpha, float beta, MatmulBias bias, boolean relu) {
    /** C = op(A)·op(B). */
    public static final MatmulParams DEFAULT = new MatmulParams(1, 0, MatmulBias.NONE, false);

    public MatmulParams {
        if (bias == null) throw new IllegalArgumentException("bias mode is null; use MatmulBias.NONE");
    }

    public static MatmulParams of(float alpha, float beta) {
        return new MatmulParams(alpha, beta, MatmulBias.NONE, false);
    }

    public MatmulParams withBias(MatmulBias mode) {
        return new MatmulParams(alpha, beta, mode, relu);
    }

    public MatmulParams withRelu(boolean on) {
        return new MatmulParams(alpha, beta, bias, on);
    }

    /** The kernels' EPI flags: bias bits, plus 4 for ReLU. */
    public int epilogueFlags() {
        return bias.epilogueBit | (relu ? 4 : 0);
    }

    public boolean readsC() {
        return beta != 0;
    }

    /** Short label for verify rows: {@code a1b0}, {@code a0.5b-2+col+relu}. */
    public String label() {
        String s = "a" + number(alpha) + "b" + number(beta);
        if (bias == MatmulBias.PER_ROW) s += "+row";
        if (bias == MatmulBias.PER_COLUMN) s += "+col";
        return relu ? s + "+relu" : s;
    }

    private static String number(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Integer.toString((int) v) : String.format(Locale.ROOT, "%s", v);
    }
}
