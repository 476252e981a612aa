package org.clengine.batchnorm;

import org.clengine.core.Tensor;

/**
 * One forward-training call: {@code y = gamma·(x − mean)·invstd + beta} with the batch's statistics, then the
 * fusion; the statistics are saved for backward and, when given, folded into the running ones. Built with
 * {@link #of} and the optional parts by name:
 * {@code BatchNormTraining.of(y, saved, x).affine(gamma, beta).running(stats).config(cfg)}.
 *
 * @param y        output, shape of x
 * @param saved    outputs [C]: batch mean and invstd, for backward
 * @param x        input [N,C], [N,C,L] or [N,C,H,W]
 * @param gamma    [C], or null with beta (affine = false: gamma 1, beta 0)
 * @param beta     [C], or null with gamma
 * @param residual shape of x: given exactly when the fusion is ADD_RELU
 * @param running  running statistics updated in place, or null (track_running_stats = false)
 * @param config   eps, momentum and its convention, fusion
 */
public record BatchNormTraining(Tensor y, BatchNormSaved saved, Tensor x, Tensor gamma, Tensor beta, Tensor residual,
        BatchNormRunningStats running, BatchNormConfig config) {

    /** No affine parameters, no residual, no running statistics, {@link BatchNormConfig#DEFAULT}. */
    public static BatchNormTraining of(Tensor y, BatchNormSaved saved, Tensor x) {
        return new BatchNormTraining(y, saved, x, null, null, null, null, BatchNormConfig.DEFAULT);
    }

    public BatchNormTraining affine(Tensor gammaValue, Tensor betaValue) {
        return new BatchNormTraining(y, saved, x, gammaValue, betaValue, residual, running, config);
    }

    public BatchNormTraining residual(Tensor z) {
        return new BatchNormTraining(y, saved, x, gamma, beta, z, running, config);
    }

    public BatchNormTraining running(BatchNormRunningStats stats) {
        return new BatchNormTraining(y, saved, x, gamma, beta, residual, stats, config);
    }

    public BatchNormTraining config(BatchNormConfig value) {
        return new BatchNormTraining(y, saved, x, gamma, beta, residual, running, value);
    }

    /** The same call with another input and output (the conv → BN fusion's conv output, for one). */
    public BatchNormTraining io(Tensor output, Tensor input) {
        return new BatchNormTraining(output, saved, input, gamma, beta, residual, running, config);
    }
}
