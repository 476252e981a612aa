package org.clengine.matmul;

/**
 * One GEMM check: the shape, where the matrices lie, the scalars and epilogue, whether inputs are small integers
 * (then every path must match the reference exactly: all sums are exact in fp32), and the storage dtypes.
 */
public record MatmulCase(MatmulShape shape, MatmulLayout layout, MatmulParams params, boolean integers,
        MatmulTypes types) {

    public MatmulCase(MatmulShape shape, MatmulLayout layout, MatmulParams params, boolean integers) {
        this(shape, layout, params, integers, MatmulTypes.F32);
    }

    /** Dense matrices, random normal inputs. */
    public static MatmulCase of(MatmulShape shape, MatmulParams params) {
        return new MatmulCase(shape, MatmulLayout.contiguous(shape), params, false);
    }

    /** The same check with A, B and C stored as {@code t} says. */
    public MatmulCase withTypes(MatmulTypes t) {
        return new MatmulCase(shape, layout, params, integers, t);
    }

    public static MatmulCase of(String descriptor, MatmulParams params) {
        return of(MatmulShape.parse(descriptor), params);
    }

    /**
     * Sub-matrices: each operand starts at an offset (3, 5, 7 floats), rows lie 1–3 floats further apart than
     * their width, batches 11 floats further apart than their size. The gaps of C are checked to stay untouched.
     */
    public MatmulCase padded() {
        MatmulShape s = shape;
        int lda = s.aCols() + 1, ldb = s.bCols() + 2, ldc = s.n() + 3;
        return new MatmulCase(s, new MatmulLayout(3, lda, s.aRows() * lda + 11, 5, ldb, s.bRows() * ldb + 11, 7,
                ldc, s.m() * ldc + 11), params, integers, types);
    }

    /** One A shared by every batch (strideA = 0), as a convolution's weights are. */
    public MatmulCase sharedA() {
        MatmulLayout l = layout;
        return new MatmulCase(shape, l.withA(l.offA(), l.lda(), 0), params, integers, types);
    }

    /** One B shared by every batch (strideB = 0). */
    public MatmulCase sharedB() {
        MatmulLayout l = layout;
        return new MatmulCase(shape, l.withB(l.offB(), l.ldb(), 0), params, integers, types);
    }

    public MatmulCase withIntegers() {
        return new MatmulCase(shape, layout, params, true, types);
    }

    public MatmulCase withParams(MatmulParams p) {
        return new MatmulCase(shape, layout, p, integers, types);
    }

    /** {@code m7n93k257ta a1b0 ld+ int}: descriptor, scalars and epilogue, then what is unusual. */
    public String label() {
        String s = shape.descriptor() + " " + params.label();
        if (!layout.equals(MatmulLayout.contiguous(shape))) {
            s += layout.strideA() == 0 && shape.batch() > 1 ? " sharedA" : "";
            s += layout.strideB() == 0 && shape.batch() > 1 ? " sharedB" : "";
            s += layout.offC() != 0 || layout.ldc() != shape.n() ? " ld+" : "";
        }
        if (!types.equals(MatmulTypes.F32)) s += " " + types.label();
        return integers ? s + " int" : s;
    }

    @Override
    public String toString() {
        return label();
    }
}
