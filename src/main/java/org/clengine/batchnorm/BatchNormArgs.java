package org.clengine.batchnorm;

import static org.clengine.core.TensorChecks.optional;
import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;
import static org.clengine.core.TensorChecks.requireAnyDType;
import static org.clengine.core.TensorChecks.sameDType;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks every batch normalization call before anything runs: {@link BatchNormOps} (both implementations) and the
 * convolution's fused forward call these, so a bad call gets the same message everywhere. No call runs in place:
 * an output that shares storage with an input (y with x, dx with dy, views included) is refused. Training's y over
 * x would destroy the input backward needs; the device paths take several passes over their inputs (statistics,
 * then apply), and only refusing every overlap keeps them and the reference one contract.
 * <p>
 * Dtypes (issue 15): the activations x, y, z (residual), dy, dx, dz may be F32, F16 or BF16, all of one call in
 * x's dtype; gamma, beta, dgamma, dbeta and the saved and running statistics are F32 (a 16-bit tensor there is
 * refused): statistics are taken and kept in fp32 whatever the activations' storage.
 */
public final class BatchNormArgs {
    private BatchNormArgs() {
    }

    public static BatchNormShape checkTraining(Memory m, BatchNormTraining call) {
        if (call == null) throw new IllegalArgumentException("call is null");
        BatchNormShape s = checkCommon(m, call.y(), call.x(), call.gamma(), call.beta(), call.residual(),
                call.config());
        boolean frozen = call.config().frozen();
        if (s.perChannel() <= 1 && !frozen) {
            throw new IllegalArgumentException("expected more than 1 value per channel when training, got input "
                    + "size " + call.x().shapeString());
        }
        checkSaved(m, call.saved(), s);
        BatchNormRunningStats r = call.running();
        if (r == null && frozen) {
            throw new IllegalArgumentException("running statistics are null (frozen batch norm normalizes with them)");
        }
        if (r != null) checkRunning(m, r, s);
        BatchNormSaved saved = call.saved();
        // frozen reads the running statistics and writes none of them
        Aliasing.outputs("y", call.y(), "saveMean", saved.mean(), "saveInvstd", saved.invstd(), "saveOffset",
                saved.offset(), "running mean", r == null || frozen ? null : r.mean(), "running var",
                r == null || frozen ? null : r.var(), "skipped updates", r == null || frozen ? null : r.skipped())
                .inputs("x", call.x(), "gamma", call.gamma(), "beta", call.beta(), "residual", call.residual(),
                        "running mean", frozen ? r.mean() : null, "running var", frozen ? r.var() : null)
                .check();
        return s;
    }

    public static BatchNormShape checkInference(Memory m, BatchNormInference call) {
        if (call == null) throw new IllegalArgumentException("call is null");
        BatchNormShape s = checkCommon(m, call.y(), call.x(), call.gamma(), call.beta(), call.residual(),
                call.config());
        if (call.running() == null) {
            throw new IllegalArgumentException("running statistics are null (inference normalizes with them)");
        }
        checkRunning(m, call.running(), s);
        Aliasing.outputs("y", call.y())
                .inputs("x", call.x(), "gamma", call.gamma(), "beta", call.beta(), "residual", call.residual(),
                        "running mean", call.running().mean(), "running var", call.running().var())
                .check();
        return s;
    }

    /** y is checked only when the fusion has a ReLU (its mask); otherwise it is not read, given or not. */
    public static BatchNormShape checkBackward(Memory m, BatchNormBackward call) {
        if (call == null) throw new IllegalArgumentException("call is null");
        if (call.config() == null) throw new IllegalArgumentException("config is null");
        requireAnyDType(m, "x", call.x());
        BatchNormShape s = BatchNormShape.of(call.x().shape());
        activation(m, "dx", call.dx(), call.x());
        activation(m, "dy", call.dy(), call.x());
        optional(m, "gamma", call.gamma(), s.c());
        optional(m, "dgamma", call.dgamma(), s.c());
        optional(m, "dbeta", call.dbeta(), s.c());
        if (call.gamma() == null && (call.dgamma() != null || call.dbeta() != null)) {
            throw new IllegalArgumentException("dgamma and dbeta must be null when gamma is null (affine = false)");
        }
        checkSaved(m, call.saved(), s);
        BatchNormFusion f = call.config().fusion();
        if (f.hasRelu()) {
            presence("y", call.y(), true, "when the fusion is " + f + " (backward needs the forward output's ReLU "
                    + "mask)");
            activation(m, "y", call.y(), call.x());
        }
        presence("dresidual", call.dresidual(), f.hasResidual(), "when the fusion is " + f);
        if (call.dresidual() != null) activation(m, "dresidual", call.dresidual(), call.x());
        Aliasing.outputs("dx", call.dx(), "dgamma", call.dgamma(), "dbeta", call.dbeta(), "dresidual",
                call.dresidual())
                .inputs("dy", call.dy(), "x", call.x(), "saveMean", call.saved().mean(), "saveInvstd",
                        call.saved().invstd(), "saveOffset", call.saved().offset(), "gamma", call.gamma(), "y",
                        f.hasRelu() ? call.y() : null)
                .check();
        return s;
    }

    private static BatchNormShape checkCommon(Memory m, Tensor y, Tensor x, Tensor gamma, Tensor beta,
            Tensor residual, BatchNormConfig config) {
        if (config == null) throw new IllegalArgumentException("config is null");
        requireAnyDType(m, "x", x);
        BatchNormShape s = BatchNormShape.of(x.shape());
        activation(m, "y", y, x);
        if ((gamma == null) != (beta == null)) {
            throw new IllegalArgumentException("gamma and beta must both be given or both be null (affine = false)");
        }
        optional(m, "gamma", gamma, s.c());
        optional(m, "beta", beta, s.c());
        presence("residual", residual, config.fusion().hasResidual(), "when the fusion is " + config.fusion());
        if (residual != null) activation(m, "residual", residual, x);
        return s;
    }

    /** An activation: x's shape and x's dtype (any of F32, F16, BF16). */
    static Tensor activation(Memory m, String name, Tensor t, Tensor x) {
        requireAnyDType(m, name, t, x.shape());
        sameDType("x", x, name, t);
        return t;
    }

    private static void checkSaved(Memory m, BatchNormSaved saved, BatchNormShape s) {
        if (saved == null) throw new IllegalArgumentException("saved is null (the batch mean and invstd)");
        require(m, "saveMean", saved.mean(), s.c());
        require(m, "saveInvstd", saved.invstd(), s.c());
        optional(m, "saveOffset", saved.offset(), s.c());
    }

    private static void checkRunning(Memory m, BatchNormRunningStats running, BatchNormShape s) {
        require(m, "running mean", running.mean(), s.c());
        require(m, "running var", running.var(), s.c());
        optional(m, "skipped updates", running.skipped(), s.c());
    }
}
