package org.clengine.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The reference GEMM on cases small enough to work out by hand. */
class MatmulReferenceTest {
    static final float NAN = Float.NaN;

    /** [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]. */
    @Test
    void twoByTwo() {
        float[] c = {NAN, NAN, NAN, NAN};
        MatmulShape s = MatmulShape.of(2, 2, 2);
        MatmulReference.gemm(c, new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8}, null, s,
                MatmulLayout.contiguous(s), MatmulParams.DEFAULT);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
    }

    /** Stored transposes: Aᵀ with A = [1 3; 2 4] and Bᵀ with B = [5 7; 6 8] give the same product. */
    @Test
    void transposes() {
        float[] c = new float[4];
        MatmulShape s = new MatmulShape(1, 2, 2, 2, true, true);
        MatmulReference.gemm(c, new float[] {1, 3, 2, 4}, new float[] {5, 7, 6, 8}, null, s,
                MatmulLayout.contiguous(s), MatmulParams.DEFAULT);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
    }

    /** 2×3 times 3×1: [1 2 3; 4 5 6]·[1; 0; -1] = [-2; -2]; then alpha = 3, beta = -1 over C = [10; 1]. */
    @Test
    void alphaAndBeta() {
        float[] c = {10, 1};
        MatmulShape s = MatmulShape.of(2, 1, 3);
        MatmulReference.gemm(c, new float[] {1, 2, 3, 4, 5, 6}, new float[] {1, 0, -1}, null, s,
                MatmulLayout.contiguous(s), MatmulParams.of(3, -1));
        assertArrayEquals(new float[] {-16, -7}, c);
    }

    /** beta = 0 ignores C, NaN included. */
    @Test
    void betaZeroIgnoresNaN() {
        float[] c = {NAN};
        MatmulShape s = MatmulShape.of(1, 1, 2);
        MatmulReference.gemm(c, new float[] {2, 3}, new float[] {4, 5}, null, s, MatmulLayout.contiguous(s),
                MatmulParams.of(1, 0));
        assertEquals(23, c[0]);
    }

    /** [1 -2]ᵀ·[1 1] = [1 1; -2 -2]; bias per row [0, 1] gives [1 1; -1 -1], ReLU [1 1; 0 0]; per column [5, -5]. */
    @Test
    void biasAndRelu() {
        MatmulShape s = MatmulShape.of(2, 2, 1);
        float[] c = new float[4];
        MatmulReference.gemm(c, new float[] {1, -2}, new float[] {1, 1}, new float[] {0, 1}, s,
                MatmulLayout.contiguous(s), MatmulParams.DEFAULT.withBias(MatmulBias.PER_ROW).withRelu(true));
        assertArrayEquals(new float[] {1, 1, 0, 0}, c);
        MatmulReference.gemm(c, new float[] {1, -2}, new float[] {1, 1}, new float[] {5, -5}, s,
                MatmulLayout.contiguous(s), MatmulParams.DEFAULT.withBias(MatmulBias.PER_COLUMN));
        assertArrayEquals(new float[] {6, -4, 3, -7}, c);
    }

    /**
     * A sub-matrix: C's middle 1×2 of a 3×4 buffer (offset 5, ldc 4) from A = row 1 of a 2×2 buffer and the right
     * column pair of B in a 2×3 buffer (offset 1, ldb 3). Everything else in C stays as it was.
     */
    @Test
    void offsetsAndLeadingDimensions() {
        MatmulShape s = MatmulShape.of(1, 2, 2);
        float[] a = {9, 9, 1, 2};
        float[] b = {9, 1, 2, 9, 3, 4};
        float[] c = new float[12];
        java.util.Arrays.fill(c, -1);
        MatmulLayout l = new MatmulLayout(2, 2, 0, 1, 3, 0, 5, 4, 0);
        MatmulReference.gemm(c, a, b, null, s, l, MatmulParams.DEFAULT);
        assertArrayEquals(new float[] {-1, -1, -1, -1, -1, 7, 10, -1, -1, -1, -1, -1}, c);
    }

    /** Two batches sharing A = [1 2] (strideA 0): B₀ = [1; 1] → 3, B₁ = [2; -1] → 0. */
    @Test
    void stridedBatches() {
        MatmulShape s = new MatmulShape(2, 1, 1, 2, false, false);
        float[] c = {NAN, NAN};
        MatmulReference.gemm(c, new float[] {1, 2}, new float[] {1, 1, 2, -1}, null, s,
                new MatmulLayout(0, 2, 0, 0, 1, 2, 0, 1, 1), MatmulParams.DEFAULT);
        assertArrayEquals(new float[] {3, 0}, c);
    }
}
