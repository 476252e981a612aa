package org.clengine.batchnorm;

import static org.clengine.core.TensorChecks.optional;
import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/** Checks every batch normalization call before anything runs; both backends call these. */
public final class BatchNormArgs {
    private BatchNormArgs() {
    }

    public static BatchNormShape checkTraining(Memory b, Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x,
            Tensor gamma, Tensor beta, Tensor residual, BatchNormRunningStats running, BatchNormConfig config) {
        BatchNormShape s = checkCommon(b, y, x, gamma, beta, residual, config);
        if (s.perChannel() <= 1) {
            throw new IllegalArgumentException("expected more than 1 value per channel when training, got input "
                    + "size " + x.shapeString());
        }
        require(b, "saveMean", saveMean, s.c());
        require(b, "saveInvstd", saveInvstd, s.c());
        if (running != null) {
            require(b, "running mean", running.mean(), s.c());
            require(b, "running var", running.var(), s.c());
        }
        return s;
    }

    public static BatchNormShape checkInference(Memory b, Tensor y, Tensor x, Tensor gamma, Tensor beta,
            Tensor residual, Tensor runningMean, Tensor runningVar, BatchNormConfig config) {
        BatchNormShape s = checkCommon(b, y, x, gamma, beta, residual, config);
        require(b, "running mean", runningMean, s.c());
        require(b, "running var", runningVar, s.c());
        return s;
    }

    public static BatchNormShape checkBackward(Memory b, Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual,
            Tensor dy, Tensor x, Tensor y, Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config) {
        if (config == null) throw new IllegalArgumentException("config is null");
        require(b, "x", x);
        BatchNormShape s = BatchNormShape.of(x.shape());
        int[] dims = x.shape();
        require(b, "dx", dx, dims);
        require(b, "dy", dy, dims);
        optional(b, "gamma", gamma, s.c());
        optional(b, "dgamma", dgamma, s.c());
        optional(b, "dbeta", dbeta, s.c());
        if (gamma == null && (dgamma != null || dbeta != null)) {
            throw new IllegalArgumentException("dgamma and dbeta must be null when gamma is null (affine = false)");
        }
        require(b, "saveMean", saveMean, s.c());
        require(b, "saveInvstd", saveInvstd, s.c());
        BatchNormFusion f = config.fusion();
        presence("y", y, f.hasRelu(), "when the fusion is " + f + " (backward needs the forward output's ReLU mask)");
        optional(b, "y", y, dims);
        presence("dresidual", dresidual, f.hasResidual(), "when the fusion is " + f);
        optional(b, "dresidual", dresidual, dims);
        return s;
    }

    private static BatchNormShape checkCommon(Memory b, Tensor y, Tensor x, Tensor gamma, Tensor beta,
            Tensor residual, BatchNormConfig config) {
        if (config == null) throw new IllegalArgumentException("config is null");
        require(b, "x", x);
        BatchNormShape s = BatchNormShape.of(x.shape());
        require(b, "y", y, x.shape());
        if ((gamma == null) != (beta == null)) {
            throw new IllegalArgumentException("gamma and beta must both be given or both be null (affine = false)");
        }
        optional(b, "gamma", gamma, s.c());
        optional(b, "beta", beta, s.c());
        presence("residual", residual, config.fusion().hasResidual(), "when the fusion is " + config.fusion());
        optional(b, "residual", residual, x.shape());
        return s;
    }
}
