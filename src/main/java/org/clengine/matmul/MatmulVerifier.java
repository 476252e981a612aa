package org.clengine.matmul;

import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import static org.clengine.verify.Comparison.abs;

import java.util.Locale;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;

/**
 * Runs one GEMM case on a backend and on the reference with the same fresh inputs and compares C. C starts as NaN
 * wherever it is not read (everything when beta = 0, the gaps between rows and batches otherwise), so a kernel that
 * reads C when it must not, or writes outside C, fails.
 */
public final class MatmulVerifier {
    private MatmulVerifier() {
    }

    /** Inputs sized to the layout: A, B, the initial C, and the bias (null without one). */
    public record Inputs(float[] a, float[] b, float[] c, float[] bias) {

        public static Inputs random(MatmulCase mc, long seed) {
            MatmulShape s = mc.shape();
            MatmulLayout l = mc.layout();
            RandomFill r = new RandomFill(seed);
            DType in = mc.types().in(), out = mc.types().out();
            float[] a = round(in, fill(r, mc, size(l.offA(), l.lda(), l.strideA(), s, s.aRows(), s.aCols())));
            float[] b = round(in, fill(r, mc, size(l.offB(), l.ldb(), l.strideB(), s, s.bRows(), s.bCols())));
            float[] c = new float[size(l.offC(), l.ldc(), l.strideC(), s, s.m(), s.n())];
            java.util.Arrays.fill(c, Float.NaN);
            if (mc.params().readsC()) {
                float[] values = round(out, fill(r, mc, c.length));
                forEachOfC(s, l, at -> c[at] = values[at]);
            }
            MatmulBias mode = mc.params().bias();
            float[] bias = mode == MatmulBias.NONE ? null : fill(r, mc, mode == MatmulBias.PER_ROW ? s.m() : s.n());
            return new Inputs(a, b, c, bias);
        }

        /** Inputs as their tensors will hold them, so the error scales see the values the kernels read. */
        private static float[] round(DType t, float[] values) {
            for (int i = 0; i < values.length; i++) values[i] = t.round(values[i]);
            return values;
        }

        private static float[] fill(RandomFill r, MatmulCase mc, int n) {
            return mc.integers() ? r.integers(n, 3) : r.normal(n);
        }

        private static int size(int off, int ld, int stride, MatmulShape s, int rows, int cols) {
            return Math.toIntExact(MatmulLayout.extent(off, ld, stride, s.batch(), rows, cols));
        }
    }

    /** The reference's C and each element's error scale, computed once and compared against every path. */
    public record Expected(float[] c, float[] scale) {
    }

    public static Expected expect(MatmulOps reference, MatmulCase mc, Inputs in) {
        return new Expected(output(reference, mc, in), scale(mc, in));
    }

    /** Inputs and the reference's answer to them. */
    public record Prepared(MatmulCase matmulCase, Inputs inputs, Expected expected) {
    }

    /**
     * Random inputs from {@code seed} and the reference's result; when that C is all zeros (it would check nothing:
     * tiny integer cases, a ReLU), draws again from seed+1, seed+2, ... up to 20 times, as benchdnn fills data so
     * that each check means something.
     */
    public static Prepared prepare(MatmulOps reference, MatmulCase mc, long seed) {
        Prepared p = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            Inputs in = Inputs.random(mc, seed + attempt);
            p = new Prepared(mc, in, expect(reference, mc, in));
            for (float v : gather(mc, p.expected().c())) if (v != 0) return p;
        }
        return p;
    }

    /** Random inputs from {@code seed}; the reference and {@code device} run them and C is compared. */
    public static Comparison run(MatmulOps device, MatmulOps reference, MatmulCase mc, long seed) {
        return compare(device, prepare(reference, mc, seed));
    }

    public static Comparison compare(MatmulOps device, Prepared p) {
        return compare(device, p.matmulCase(), p.inputs(), p.expected());
    }

    public static Comparison compare(MatmulOps device, MatmulCase mc, Inputs in, Expected expected) {
        float[] got = output(device, mc, in);
        for (int i = 0; i < got.length; i++) {
            if (!inC(mc.shape(), mc.layout(), i) && Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(
                    in.c()[i])) {
                return new Comparison("c", Double.NaN, Double.NaN, Double.NaN, Comparison.Status.FAIL, String.format(
                        Locale.ROOT, "wrote %s at %d, outside C (it held %s)", got[i], i, in.c()[i]));
            }
        }
        Tolerance tol = mc.integers() ? Tolerance.EXACT : Tolerance.matmul(mc.shape().k(), mc.types().out());
        return Comparison.of("c", gather(mc, expected.c()), gather(mc, got), tol, gather(mc, expected.scale()));
    }

    /** C after running the case on {@code ops}. */
    public static float[] output(MatmulOps ops, MatmulCase mc, Inputs in) {
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Memory m = ops.memory();
            DType dt = mc.types().in();
            Tensor c = scope.add(m.tensor(mc.types().out(), in.c(), in.c().length));
            Tensor bias = in.bias() == null ? null : scope.tensor(in.bias(), in.bias().length);
            Tensor a = scope.add(m.tensor(dt, in.a(), in.a().length));
            Tensor b = scope.add(m.tensor(dt, in.b(), in.b().length));
            ops.gemm(Gemm.of(c, a, b, mc.shape()).layout(mc.layout()).params(mc.params()).bias(bias));
            return c.toArray();
        }
    }

    /**
     * The size of each element's terms, |alpha|·Σ|a·b| + |beta·c| + |bias|: what rounding errors scale with, and
     * the yardstick when the result itself is a small difference of large terms.
     */
    static float[] scale(MatmulCase mc, Inputs in) {
        float[] c = abs(in.c());
        MatmulParams p = mc.params();
        MatmulParams q = new MatmulParams(Math.abs(p.alpha()), Math.abs(p.beta()), p.bias(), false);
        MatmulReference.gemm(c, abs(in.a()), abs(in.b()), abs(in.bias()), mc.shape(), mc.layout(), q);
        return c;
    }

    /** The elements of C, batch by batch, row by row. */
    private static float[] gather(MatmulCase mc, float[] all) {
        MatmulShape s = mc.shape();
        float[] out = new float[s.batch() * s.m() * s.n()];
        int[] next = {0};
        forEachOfC(s, mc.layout(), at -> out[next[0]++] = all[at]);
        return out;
    }

    private static void forEachOfC(MatmulShape s, MatmulLayout l, java.util.function.IntConsumer action) {
        for (int i = 0; i < s.batch(); i++) {
            for (int m = 0; m < s.m(); m++) {
                int row = l.offC() + i * l.strideC() + m * l.ldc();
                for (int n = 0; n < s.n(); n++) action.accept(row + n);
            }
        }
    }

    private static boolean inC(MatmulShape s, MatmulLayout l, int at) {
        int rel = at - l.offC();
        if (rel < 0) return false;
        int i = s.batch() > 1 ? rel / l.strideC() : 0;
        if (i >= s.batch()) return false;
        int inBatch = rel - i * l.strideC();
        return inBatch / l.ldc() < s.m() && inBatch % l.ldc() < s.n();
    }
}
