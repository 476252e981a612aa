package org.clengine.matmul;

import org.clengine.core.Tensor;

/**
 * One GEMM call, strided-batched, with an epilogue: for each batch {@code C = relu?(alpha·op(A)·op(B) + beta·C +
 * bias)} in fp32, row major. Tensors are flat buffers here: only their sizes matter, and the layout says where each
 * matrix lies (offsets, leading dimensions, batch strides, as in {@code cublasSgemmStridedBatched}). Built with
 * {@link #of} and the optional parts by name: {@code Gemm.of(c, a, b, shape).layout(l).params(p).bias(t)}.
 *
 * @param c      output C (M×N per batch)
 * @param a      input A (M×K per batch, K×M when the shape says transA)
 * @param b      input B (K×N per batch, N×K when transB)
 * @param shape  batch, M, N, K and the transposes
 * @param layout where the matrices lie in their tensors (dense by default)
 * @param params alpha, beta, bias mode and ReLU ({@link MatmulParams#DEFAULT}: C = A·B)
 * @param bias   M floats (per row) or N floats (per column), shared by every batch; null without a bias
 */
public record Gemm(Tensor c, Tensor a, Tensor b, MatmulShape shape, MatmulLayout layout, MatmulParams params,
        Tensor bias) {

    /** Dense matrices, C = A·B. */
    public static Gemm of(Tensor c, Tensor a, Tensor b, MatmulShape shape) {
        return new Gemm(c, a, b, shape, shape == null ? null : MatmulLayout.contiguous(shape), MatmulParams.DEFAULT,
                null);
    }

    public Gemm layout(MatmulLayout value) {
        return new Gemm(c, a, b, shape, value, params, bias);
    }

    public Gemm params(MatmulParams value) {
        return new Gemm(c, a, b, shape, layout, value, bias);
    }

    public Gemm bias(Tensor value) {
        return new Gemm(c, a, b, shape, layout, params, value);
    }
}
