package org.clengine.matmul;

import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/** Checks every matmul call before anything runs; both backends call this, so both fail with the same message. */
public final class MatmulArgs {
    private MatmulArgs() {
    }

    /** Checks a whole call: its tensors live in {@code memory}, fit the shape and layout, and do not overlap. */
    public static void check(Memory memory, Gemm call) {
        if (call == null) throw new IllegalArgumentException("gemm call is null");
        check(memory, call.c(), call.a(), call.b(), call.bias(), call.shape(), call.layout(), call.params());
    }

    private static void check(Memory memory, Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape s,
            MatmulLayout l, MatmulParams p) {
        if (s == null) throw new IllegalArgumentException("shape is null");
        if (l == null) throw new IllegalArgumentException("layout is null");
        if (p == null) throw new IllegalArgumentException("params is null");
        require(memory, "C", c);
        require(memory, "A", a);
        require(memory, "B", b);
        long extentA = operand("A", a, l.offA(), l.lda(), l.strideA(), s, s.aRows(), s.aCols(), s.transA());
        long extentB = operand("B", b, l.offB(), l.ldb(), l.strideB(), s, s.bRows(), s.bCols(), s.transB());
        long extentC = operand("C", c, l.offC(), l.ldc(), l.strideC(), s, s.m(), s.n(), false);
        if (s.batch() > 1 && l.strideC() < (long) (s.m() - 1) * l.ldc() + s.n()) {
            throw new IllegalArgumentException("strideC " + l.strideC() + " makes the " + s.batch() + " C matrices of "
                    + s + " overlap (ldc " + l.ldc() + "); it must be at least " + ((long) (s.m() - 1) * l.ldc()
                    + s.n()));
        }
        if (c == a && overlaps(l.offC(), extentC, l.offA(), extentA)) {
            throw new IllegalArgumentException("C and A are the same tensor and their ranges overlap; C is written "
                    + "while A is read");
        }
        if (c == b && overlaps(l.offC(), extentC, l.offB(), extentB)) {
            throw new IllegalArgumentException("C and B are the same tensor and their ranges overlap; C is written "
                    + "while B is read");
        }
        presence("bias", bias, p.bias() != MatmulBias.NONE, "when the bias mode is " + p.bias());
        if (bias != null) {
            require(memory, "bias", bias);
            int want = p.bias() == MatmulBias.PER_ROW ? s.m() : s.n();
            if (bias.size() != want) {
                throw new IllegalArgumentException("bias has " + bias.size() + " floats, " + s + " with a bias "
                        + p.bias() + " needs " + want);
            }
        }
    }

    /** Checks one operand's layout against its tensor; returns the floats it spans. */
    private static long operand(String name, Tensor t, int off, int ld, int stride, MatmulShape s, int rows, int cols,
            boolean transposed) {
        String what = name + (transposed ? " (stored transposed, " : " (") + rows + "×" + cols + ")";
        if (off < 0) throw new IllegalArgumentException(name + " offset " + off + " is negative");
        if (ld < cols) {
            throw new IllegalArgumentException("ld" + name.toLowerCase() + " " + ld + " is less than the " + cols
                    + " columns of " + what + " in " + s);
        }
        if (stride < 0) throw new IllegalArgumentException("stride" + name + " " + stride + " is negative");
        long extent = MatmulLayout.extent(off, ld, stride, s.batch(), rows, cols);
        if (extent > t.size()) {
            throw new IllegalArgumentException(name + " has " + t.size() + " floats, " + s + " needs " + extent
                    + " for " + what + " with offset " + off + ", ld " + ld
                    + (s.batch() > 1 ? ", stride " + stride : ""));
        }
        return extent;
    }

    private static boolean overlaps(long startA, long endA, long startB, long endB) {
        return startA < endB && startB < endA;
    }
}
