package org.clengine.batchnorm;

import org.clengine.core.Tensor;

/**
 * One inference call: normalizes with the running statistics, then the fusion; nothing is updated. Built with
 * {@link #of} and the optional parts by name: {@code BatchNormInference.of(y, x, stats).affine(gamma, beta)}.
 *
 * @param y        output, shape of x
 * @param x        input [N,C], [N,C,L] or [N,C,H,W]
 * @param running  the running mean and variance [C] (read only)
 * @param gamma    [C], or null with beta (affine = false)
 * @param beta     [C], or null with gamma
 * @param residual shape of x: given exactly when the fusion is ADD_RELU
 * @param config   eps and fusion (momentum is not used)
 */
public record BatchNormInference(Tensor y, Tensor x, BatchNormRunningStats running, Tensor gamma, Tensor beta,
        Tensor residual, BatchNormConfig config) {

    public static BatchNormInference of(Tensor y, Tensor x, BatchNormRunningStats running) {
        return new BatchNormInference(y, x, running, null, null, null, BatchNormConfig.DEFAULT);
    }

    public BatchNormInference affine(Tensor gammaValue, Tensor betaValue) {
        return new BatchNormInference(y, x, running, gammaValue, betaValue, residual, config);
    }

    public BatchNormInference residual(Tensor z) {
        return new BatchNormInference(y, x, running, gamma, beta, z, config);
    }

    public BatchNormInference config(BatchNormConfig value) {
        return new BatchNormInference(y, x, running, gamma, beta, residual, value);
    }
}
