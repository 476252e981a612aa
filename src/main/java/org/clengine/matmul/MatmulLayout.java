package org.clengine.matmul;

import org.clengine.core.ShapeMath;

/**
 * Where A, B and C lie in their tensors (in floats), as in BLAS: matrix {@code i} of a batch starts at
 * {@code off + i·stride}, row {@code r} of it at {@code + r·ld}. Leading dimensions count floats between rows of
 * the stored matrix (at least its column count); strides may be 0 for A and B (one matrix shared by every batch).
 */
public record MatmulLayout(int offA, int lda, int strideA, int offB, int ldb, int strideB, int offC, int ldc,
        int strideC) {

    /** Dense matrices one after another, no offsets: lda = stored columns of A, stride = the matrix size. */
    public static MatmulLayout contiguous(MatmulShape s) {
        return new MatmulLayout(0, s.aCols(), size(s, s.m(), s.k()), 0, s.bCols(), size(s, s.k(), s.n()), 0, s.n(),
                size(s, s.m(), s.n()));
    }

    private static int size(MatmulShape s, int rows, int cols) {
        ShapeMath.elements(s + "'s batch of " + rows + "×" + cols + " operands", s.batch(), rows, cols);
        return rows * cols;
    }

    public MatmulLayout withA(int off, int ld, int stride) {
        return new MatmulLayout(off, ld, stride, offB, ldb, strideB, offC, ldc, strideC);
    }

    public MatmulLayout withB(int off, int ld, int stride) {
        return new MatmulLayout(offA, lda, strideA, off, ld, stride, offC, ldc, strideC);
    }

    public MatmulLayout withC(int off, int ld, int stride) {
        return new MatmulLayout(offA, lda, strideA, offB, ldb, strideB, off, ld, stride);
    }

    /** Floats a tensor must hold for operand A, B or C: the last element touched plus one. */
    public static long extent(int off, int ld, int stride, int batch, int rows, int cols) {
        return off + (long) (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }
}
