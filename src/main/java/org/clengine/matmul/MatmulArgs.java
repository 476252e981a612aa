package org.clengine.matmul;

import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;
import static org.clengine.core.TensorChecks.requireAnyDType;

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
        requireAnyDType(memory, "C", c);
        requireAnyDType(memory, "A", a);
        requireAnyDType(memory, "B", b);
        MatmulTypes.of(c.dtype(), a.dtype(), b.dtype());
        long extentA = operand("A", a, l.offA(), l.lda(), l.strideA(), s, s.aRows(), s.aCols(), s.transA());
        long extentB = operand("B", b, l.offB(), l.ldb(), l.strideB(), s, s.bRows(), s.bCols(), s.transB());
        long extentC = operand("C", c, l.offC(), l.ldc(), l.strideC(), s, s.m(), s.n(), false);
        if (s.batch() > 1 && l.strideC() < (long) (s.m() - 1) * l.ldc() + s.n()) {
            throw new IllegalArgumentException("strideC " + l.strideC() + " makes the " + s.batch() + " C matrices of "
                    + s + " overlap (ldc " + l.ldc() + "); it must be at least " + ((long) (s.m() - 1) * l.ldc()
                    + s.n()));
        }
        disjoint("A", c, l.offC(), extentC, a, l.offA(), extentA);
        disjoint("B", c, l.offC(), extentC, b, l.offB(), extentB);
        presence("bias", bias, p.bias() != MatmulBias.NONE, "when the bias mode is " + p.bias());
        if (bias != null) {
            require(memory, "bias", bias); // F32 only, whatever A and B are
            int want = p.bias() == MatmulBias.PER_ROW ? s.m() : s.n();
            if (bias.size() != want) {
                throw new IllegalArgumentException("bias has " + bias.size() + " floats, " + s + " with a bias "
                        + p.bias() + " needs " + want);
            }
            disjoint("bias", c, l.offC(), extentC, bias, 0, bias.size());
        }
    }

    /**
     * C's range must not meet an input's range in the same storage (the same tensor or views of one: a view spans
     * all of its storage from element 0, so offsets in either are offsets in the storage). Disjoint ranges of one
     * tensor are allowed: nothing read is written.
     */
    private static void disjoint(String name, Tensor c, long startC, long endC, Tensor in, long start, long end) {
        if (c.sharesStorageWith(in) && startC < end && start < endC) {
            throw new IllegalArgumentException("C and " + name + " share storage (one tensor, or views of one) and "
                    + "their ranges overlap: floats [" + startC + ", " + endC + ") and [" + start + ", " + end
                    + "); C is written while " + name + " is read");
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

}
