package org.clengine.batchnorm;

import org.clengine.core.Tensor;

/**
 * One backward call (training mode) from the saved batch statistics. Built with {@link #of} and the optional parts
 * by name: {@code BatchNormBackward.of(dx, dy, x, saved).affine(gamma, dgamma, dbeta).forwardOutput(y)}.
 *
 * <p>The rule for y: a fusion with a ReLU needs the forward output y (its mask), so y is required then; without a
 * ReLU y is not read, and may be given or not.
 *
 * @param dx        output, shape of x
 * @param dy        the output's gradient, shape of x
 * @param x         the forward's input
 * @param saved     the forward's saved mean and invstd
 * @param gamma     [C], or null (affine = false: gamma 1)
 * @param dgamma    output [C], or null (not wanted; null when gamma is null)
 * @param dbeta     output [C], or null (likewise)
 * @param y         the forward's output: required when the fusion has a ReLU, else not read
 * @param dresidual output, shape of x: given exactly when the fusion is ADD_RELU
 * @param config    the forward's config (its fusion decides the mask and dresidual)
 */
public record BatchNormBackward(Tensor dx, Tensor dy, Tensor x, BatchNormSaved saved, Tensor gamma, Tensor dgamma,
        Tensor dbeta, Tensor y, Tensor dresidual, BatchNormConfig config) {

    public static BatchNormBackward of(Tensor dx, Tensor dy, Tensor x, BatchNormSaved saved) {
        return new BatchNormBackward(dx, dy, x, saved, null, null, null, null, null, BatchNormConfig.DEFAULT);
    }

    /** gamma, and the outputs dgamma and dbeta (either may be null: not wanted). */
    public BatchNormBackward affine(Tensor gammaValue, Tensor dgammaOut, Tensor dbetaOut) {
        return new BatchNormBackward(dx, dy, x, saved, gammaValue, dgammaOut, dbetaOut, y, dresidual, config);
    }

    public BatchNormBackward forwardOutput(Tensor output) {
        return new BatchNormBackward(dx, dy, x, saved, gamma, dgamma, dbeta, output, dresidual, config);
    }

    public BatchNormBackward residualGradient(Tensor dz) {
        return new BatchNormBackward(dx, dy, x, saved, gamma, dgamma, dbeta, y, dz, config);
    }

    public BatchNormBackward config(BatchNormConfig value) {
        return new BatchNormBackward(dx, dy, x, saved, gamma, dgamma, dbeta, y, dresidual, value);
    }
}
