package org.clengine.matmul;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clengine.core.ShapeMath;
import org.clengine.core.Tensor;

/**
 * The shape of a (strided-batched) GEMM {@code C[M×N] = op(A)[M×K]·op(B)[K×N]}, row major, with the canonical
 * descriptor used as test name, verify row and benchmark key: {@code m1024n1024k1024}, {@code b8m64n3136k576} (8
 * batches), {@code m7n93k257tatb} (A and B stored transposed: A as K×M, B as N×K).
 */
public record MatmulShape(int batch, int m, int n, int k, boolean transA, boolean transB) {
    private static final Pattern DESCRIPTOR = Pattern.compile("(?:b(\\d+))?m(\\d+)n(\\d+)k(\\d+)(ta)?(tb)?");

    /**
     * Each matrix (M×K, K×N, M×N) and the batch of C matrices must fit a tensor ({@link ShapeMath#MAX_ELEMENTS}):
     * a call whose operands fit their tensors always meets this, and the kernels' int panel arithmetic
     * ({@code p*MR}, {@code (M + MR - 1)/MR}) relies on it.
     */
    public MatmulShape {
        if (batch < 1 || m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("matmul sizes must be at least 1, got batch " + batch + ", M " + m
                    + ", N " + n + ", K " + k);
        }
        ShapeMath.elements("matmul A's M·K", m, k);
        ShapeMath.elements("matmul B's K·N", k, n);
        ShapeMath.elements("matmul C's batch·M·N", batch, m, n);
    }

    /** One product, no transposes. */
    public static MatmulShape of(int m, int n, int k) {
        return new MatmulShape(1, m, n, k, false, false);
    }

    /**
     * From tensor shapes, no transposes: A [M,K], B [K,N], C [M,N], or batched [batch,M,K], [batch,K,N],
     * [batch,M,N].
     */
    public static MatmulShape fromTensors(Tensor c, Tensor a, Tensor b) {
        if (c == null || a == null || b == null) throw new IllegalArgumentException("C, A and B must not be null");
        int rank = a.rank();
        if ((rank != 2 && rank != 3) || b.rank() != rank || c.rank() != rank) {
            throw new IllegalArgumentException("matmul from tensor shapes takes A [M,K], B [K,N], C [M,N] or their "
                    + "batched [batch,...] forms; got A " + a.shapeString() + ", B " + b.shapeString() + ", C "
                    + c.shapeString());
        }
        int o = rank - 2;
        int batch = rank == 3 ? a.dim(0) : 1;
        int m = a.dim(o), k = a.dim(o + 1), n = b.dim(o + 1);
        if (b.dim(o) != k || c.dim(o) != m || c.dim(o + 1) != n || (rank == 3 && (b.dim(0) != batch
                || c.dim(0) != batch))) {
            throw new IllegalArgumentException("shapes do not chain: A " + a.shapeString() + " · B " + b.shapeString()
                    + " → C " + c.shapeString());
        }
        return new MatmulShape(batch, m, n, k, false, false);
    }

    public static MatmulShape parse(String descriptor) {
        Matcher d = DESCRIPTOR.matcher(descriptor.strip());
        if (!d.matches()) {
            throw new IllegalArgumentException("'" + descriptor + "' is not a matmul descriptor such as "
                    + "m1024n1024k1024, b8m64n3136k576 or m7n93k257tatb");
        }
        return new MatmulShape(d.group(1) == null ? 1 : number(descriptor, d.group(1)), number(descriptor, d.group(2)),
                number(descriptor, d.group(3)), number(descriptor, d.group(4)), d.group(5) != null,
                d.group(6) != null);
    }

    private static int number(String descriptor, String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + descriptor + "': " + digits + " is larger than "
                    + Integer.MAX_VALUE);
        }
    }

    public MatmulShape withTransposes(boolean ta, boolean tb) {
        return new MatmulShape(batch, m, n, k, ta, tb);
    }

    public MatmulShape withBatch(int count) {
        return new MatmulShape(count, m, n, k, transA, transB);
    }

    /** Rows and columns of A as stored: M×K, or K×M when transposed. */
    public int aRows() {
        return transA ? k : m;
    }

    public int aCols() {
        return transA ? m : k;
    }

    /** Rows and columns of B as stored: K×N, or N×K when transposed. */
    public int bRows() {
        return transB ? n : k;
    }

    public int bCols() {
        return transB ? k : n;
    }

    public String descriptor() {
        return (batch > 1 ? "b" + batch : "") + "m" + m + "n" + n + "k" + k + (transA ? "ta" : "")
                + (transB ? "tb" : "");
    }

    /** 2·M·N·K per batch: one multiply and one add per term. */
    public double flops() {
        return 2.0 * batch * m * n * k;
    }

    /** Essential bytes with beta = 0: A and B read once, C written once. */
    public long bytes() {
        return bytes(false);
    }

    /** Essential bytes: A and B read once, C written once (and read once more when {@code readsC}, beta ≠ 0). */
    public long bytes(boolean readsC) {
        // each matrix fits an int, so the sum fits a long; the batch of a shared A or B may not: saturate
        long perBatch = (long) m * k + (long) k * n + (long) m * n * (readsC ? 2 : 1);
        return perBatch > Long.MAX_VALUE / Float.BYTES / batch ? Long.MAX_VALUE : (long) Float.BYTES * batch * perBatch;
    }

    @Override
    public String toString() {
        return descriptor();
    }
}
