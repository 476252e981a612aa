package org.clengine.backend;

import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.conv.Conv2dParams;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.pooling.Pool2dParams;
import org.clengine.sgd.SgdParams;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.tensor.Tensor;

/**
 * The op contract. Implemented by {@code ReferenceBackend} (plain Java, double accumulation: the oracle) and by
 * {@code OpenClBackend} (kernels/*.cl). Every op takes outputs first, then inputs, then parameters; every tensor
 * must be open and belong to this backend. Ops may run asynchronously: reading a tensor waits for them.
 */
public interface Backend extends AutoCloseable {

    /** "reference" or "opencl:DEVICE". */
    String name();

    /** A new tensor holding a copy of {@code data}. */
    Tensor tensor(float[] data, int... shape);

    /** A new tensor filled with {@code value}. */
    Tensor full(float value, int... shape);

    /** dst = src, element for element; both of one shape. */
    void copy(Tensor dst, Tensor src);

    /** Waits until every op enqueued so far has finished (a no-op on the reference). */
    default void finish() {
    }

    /**
     * Batch normalization, training mode: per-channel mean and biased variance of x over N·H·W (NCHW) or over N (N×C),
     * {@code y = gamma·(x−mean)·invstd + beta}, then the fusion (ReLU, or add residual then ReLU).
     *
     * @param y          output, shape of x
     * @param saveMean   output [C]: the batch mean, for backward
     * @param saveInvstd output [C]: 1/sqrt(biased var + eps), for backward
     * @param x          input, [N,C], [N,C,L] or [N,C,H,W]
     * @param gamma      [C] or null (affine = false: gamma 1, beta 0)
     * @param beta       [C] or null, null exactly when gamma is null
     * @param residual   shape of x, given exactly when the fusion is ADD_RELU
     * @param running    running statistics updated in place, or null (track_running_stats = false)
     */
    void batchNormForwardTraining(Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x, Tensor gamma, Tensor beta,
            Tensor residual, BatchNormRunningStats running, BatchNormConfig config);

    /** Batch normalization, inference mode: normalizes with the running statistics; nothing is updated. */
    void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual,
            Tensor runningMean, Tensor runningVar, BatchNormConfig config);

    /**
     * Batch normalization backward (training mode) from the saved batch statistics.
     *
     * @param dx        output, shape of x
     * @param dgamma    output [C] or null (not wanted; must be null when gamma is null)
     * @param dbeta     output [C] or null (likewise)
     * @param dresidual output, shape of x, given exactly when the fusion is ADD_RELU
     * @param y         the forward output; required when the fusion has a ReLU (its mask), else ignored
     */
    void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual, Tensor dy, Tensor x, Tensor y,
            Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config);

    /**
     * 2-D convolution forward (PyTorch's F.conv2d): y [N,K,P,Q] = conv(x [N,C,H,W], w [K,C/groups,R,S]) + bias [K]
     * (bias may be null), then ReLU when {@code params.relu()}.
     */
    void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dParams params);

    /** Convolution backward-data: dx [N,C,H,W] from dy [N,K,P,Q] and w. */
    void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, Conv2dParams params);

    /** Convolution backward-weights: dw [K,C/groups,R,S] and dbias [K] (may be null) from dy and x. */
    void conv2dBackwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dParams params);

    // ---- Small ops of the training loop. Elementwise ops take tensors of one shape; y may be one of the inputs. ----

    /** Every element of t = value. */
    void fill(Tensor t, float value);

    /** y = alpha·x. */
    void scale(Tensor y, Tensor x, float alpha);

    /** y = a + b (the residual add). */
    void add(Tensor y, Tensor a, Tensor b);

    /** Backward of {@link #add}: da = dy and db = dy; either output may be null (not wanted). */
    void addBackward(Tensor da, Tensor db, Tensor dy);

    /** y = max(x, 0); NaN stays NaN. */
    void reluForward(Tensor y, Tensor x);

    /** dx = dy where the forward output y &gt; 0, else 0 (PyTorch's threshold_backward on the output). */
    void reluBackward(Tensor dx, Tensor dy, Tensor y);

    /** y = 1 / (1 + exp(−x)). */
    void sigmoidForward(Tensor y, Tensor x);

    /** dx = dy·y·(1 − y) from the forward output y. */
    void sigmoidBackward(Tensor dx, Tensor dy, Tensor y);

    /**
     * Max pooling: y [N,C,P,Q] = the largest x [N,C,H,W] in each window; padding never wins. NaN counts as the
     * largest value; among equal values the first in row-major window order wins (the argmax backward uses).
     */
    void maxPool2dForward(Tensor y, Tensor x, Pool2dParams params);

    /**
     * Max pooling backward: dx [N,C,H,W] = the sum of dy over the windows whose argmax (found again in x, as the
     * forward finds it) is that element; 0 elsewhere. Deterministic: no atomics.
     */
    void maxPool2dBackward(Tensor dx, Tensor dy, Tensor x, Pool2dParams params);

    /** Average pooling: y = mean of each window (divisor as {@link Pool2dParams#countIncludePad()} says). */
    void avgPool2dForward(Tensor y, Tensor x, Pool2dParams params);

    /** Average pooling backward: dx [N,C,H,W] = Σ over windows containing it of dy / divisor. */
    void avgPool2dBackward(Tensor dx, Tensor dy, Pool2dParams params);

    /** Global average pooling: y [N,C] = mean of x [N,C,H,W] over H·W. */
    void globalAvgPoolForward(Tensor y, Tensor x);

    /** Global average pooling backward: dx [N,C,H,W] = dy [N,C] / (H·W). */
    void globalAvgPoolBackward(Tensor dx, Tensor dy);

    /**
     * Softmax + cross-entropy, mean over the batch, as PyTorch's {@code F.cross_entropy(logits, labels)}.
     *
     * @param result  output [2]: {mean loss, number of rows whose first largest logit is at the label}
     * @param dlogits output [N,K]: (softmax − one-hot)/N, or null (evaluation: loss and count only)
     * @param logits  [N,K]
     * @param labels  [N] class indices in [0, K) stored as floats; on OpenCL an index outside makes the loss NaN
     */
    void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels);

    /**
     * One SGD step in place ({@link SgdParams}): param and the momentum buffer (null exactly when momentum is 0)
     * are updated from grad.
     */
    void sgdUpdate(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params);
    /**
     * Convolution, then batch normalization in training mode, with the statistics taken as the convolution writes
     * its output (cuDNN's fused ResNet path does this): {@code conv = conv2d(x, w) + bias}, then
     * {@code y = BN(conv)} exactly as {@link #batchNormForwardTraining}. {@code conv} is kept: BN's backward needs
     * it. The OpenCL backend reads conv once fewer from memory; its result is bitwise the unfused one's.
     */
    default void conv2dBatchNormForwardTraining(Tensor conv, Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x,
            Tensor w, Tensor bias, Conv2dParams convParams, Tensor gamma, Tensor beta, Tensor residual,
            BatchNormRunningStats running, BatchNormConfig config) {
        conv2dForward(conv, x, w, bias, convParams);
        batchNormForwardTraining(y, saveMean, saveInvstd, conv, gamma, beta, residual, running, config);
    }

    @Override
    void close();

    /**
     * GEMM, strided-batched, with an epilogue: for each batch, {@code C = relu?(alpha·op(A)·op(B) + beta·C + bias)}
     * in fp32, row major; op transposes where the shape says so. Tensors are flat buffers here: only their sizes
     * matter, and the layout says where each matrix lies (offsets, leading dimensions, batch strides, as in
     * {@code cublasSgemmStridedBatched}). {@code beta == 0} never reads C.
     *
     * @param c      output C (M×N per batch, at layout offC/ldc/strideC)
     * @param a      input A (M×K per batch, K×M when the shape says transA)
     * @param b      input B (K×N per batch, N×K when transB)
     * @param bias   M floats (bias per row) or N floats (per column), shared by every batch; null without a bias
     * @param shape  batch, M, N, K and the transposes
     * @param layout where the matrices lie in their tensors
     * @param params alpha, beta, bias mode and ReLU
     */
    void matmul(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
            MatmulParams params);

    /** As the full form with dense matrices (no offsets, leading dimensions = column counts). */
    default void matmul(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulParams params) {
        matmul(c, a, b, bias, shape, shape == null ? null : MatmulLayout.contiguous(shape), params);
    }

    /**
     * {@code C = A·B} with the sizes taken from the tensors: A [M,K], B [K,N], C [M,N], or batched [batch,M,K],
     * [batch,K,N], [batch,M,N].
     */
    default void matmul(Tensor c, Tensor a, Tensor b) {
        matmul(c, a, b, null, MatmulShape.fromTensors(c, a, b), MatmulParams.DEFAULT);
    }
}
