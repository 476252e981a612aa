package org.clengine.batchnorm;

import static org.clengine.core.TensorChecks.optional;
import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;
import static org.clengine.core.TensorChecks.requireAnyDType;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks ghost batch norm and batch renormalization calls before anything runs, for every implementation alike
 * ({@link BatchNormOps}). Renorm's calls are batch norm's calls plus r and d, so {@link BatchNormArgs} checks them
 * first. Ghost's saved statistics are [G, C], not [C], so its checks restate batch norm's with that shape.
 */
public final class BatchNormVariantArgs {
    private BatchNormVariantArgs() {
    }

    public static BatchNormShape checkGhostTraining(Memory m, GhostBatchNormTraining ghost) {
        if (ghost == null || ghost.call() == null) throw new IllegalArgumentException("call is null");
        BatchNormTraining call = ghost.call();
        BatchNormShape s = common(m, call.y(), call.x(), call.gamma(), call.beta(), call.residual(), call.config());
        int g = groups(s, ghost.virtualBatch(), call.x());
        saved(m, call.saved(), g, s.c());
        BatchNormRunningStats r = call.running();
        if (r != null) {
            require(m, "running mean", r.mean(), s.c());
            require(m, "running var", r.var(), s.c());
            optional(m, "skipped updates", r.skipped(), s.c());
        }
        Aliasing.outputs("y", call.y(), "saveMean", call.saved().mean(), "saveInvstd", call.saved().invstd(),
                "saveOffset", call.saved().offset(), "running mean", r == null ? null : r.mean(), "running var",
                r == null ? null : r.var(), "skipped updates", r == null ? null : r.skipped())
                .inputs("x", call.x(), "gamma", call.gamma(), "beta", call.beta(), "residual", call.residual())
                .check();
        return s;
    }

    public static BatchNormShape checkGhostBackward(Memory m, GhostBatchNormBackward ghost) {
        if (ghost == null || ghost.call() == null) throw new IllegalArgumentException("call is null");
        BatchNormBackward call = ghost.call();
        if (call.config() == null) throw new IllegalArgumentException("config is null");
        requireAnyDType(m, "x", call.x());
        BatchNormShape s = BatchNormShape.of(call.x().shape());
        int g = groups(s, ghost.virtualBatch(), call.x());
        BatchNormArgs.activation(m, "dx", call.dx(), call.x());
        BatchNormArgs.activation(m, "dy", call.dy(), call.x());
        optional(m, "gamma", call.gamma(), s.c());
        optional(m, "dgamma", call.dgamma(), s.c());
        optional(m, "dbeta", call.dbeta(), s.c());
        if (call.gamma() == null && (call.dgamma() != null || call.dbeta() != null)) {
            throw new IllegalArgumentException("dgamma and dbeta must be null when gamma is null (affine = false)");
        }
        saved(m, call.saved(), g, s.c());
        BatchNormFusion f = call.config().fusion();
        if (f.hasRelu()) {
            presence("y", call.y(), true, "when the fusion is " + f + " (backward needs the forward output's ReLU "
                    + "mask)");
            BatchNormArgs.activation(m, "y", call.y(), call.x());
        }
        presence("dresidual", call.dresidual(), f.hasResidual(), "when the fusion is " + f);
        if (call.dresidual() != null) BatchNormArgs.activation(m, "dresidual", call.dresidual(), call.x());
        Aliasing.outputs("dx", call.dx(), "dgamma", call.dgamma(), "dbeta", call.dbeta(), "dresidual",
                call.dresidual())
                .inputs("dy", call.dy(), "x", call.x(), "saveMean", call.saved().mean(), "saveInvstd",
                        call.saved().invstd(), "saveOffset", call.saved().offset(), "gamma", call.gamma(), "y",
                        f.hasRelu() ? call.y() : null)
                .check();
        return s;
    }

    public static BatchNormShape checkRenormTraining(Memory m, BatchRenormTraining renorm) {
        if (renorm == null || renorm.call() == null) throw new IllegalArgumentException("call is null");
        if (renorm.limits() == null) throw new IllegalArgumentException("renorm limits are null (rmax, dmax)");
        BatchNormTraining call = renorm.call();
        if (call.running() == null) {
            throw new IllegalArgumentException("batch renormalization needs the running statistics (r and d "
                    + "correct toward them); running is null");
        }
        BatchNormShape s = BatchNormArgs.checkTraining(m, call);
        Tensor[] rd = corrections(m, renorm.corrections(), s);
        Aliasing.outputs("r", rd[0], "d", rd[1], "y", call.y(), "saveMean", call.saved().mean(), "saveInvstd",
                call.saved().invstd(), "running mean", call.running().mean(), "running var", call.running().var())
                .inputs("x", call.x(), "gamma", call.gamma(), "beta", call.beta(), "residual", call.residual())
                .check();
        return s;
    }

    public static BatchNormShape checkRenormBackward(Memory m, BatchRenormBackward renorm) {
        if (renorm == null || renorm.call() == null) throw new IllegalArgumentException("call is null");
        BatchNormBackward call = renorm.call();
        BatchNormShape s = BatchNormArgs.checkBackward(m, call);
        Tensor[] rd = corrections(m, renorm.corrections(), s);
        Aliasing.outputs("dx", call.dx(), "dgamma", call.dgamma(), "dbeta", call.dbeta(), "dresidual",
                call.dresidual()).inputs("r", rd[0], "d", rd[1]).check();
        return s;
    }

    /** G = N / virtualBatch, refusing a virtual batch that does not fit the input. */
    private static int groups(BatchNormShape s, int virtualBatch, Tensor x) {
        if (virtualBatch <= 0) {
            throw new IllegalArgumentException("virtualBatch must be positive, got " + virtualBatch);
        }
        if (s.n() % virtualBatch != 0) {
            throw new IllegalArgumentException("virtualBatch " + virtualBatch + " does not divide the batch of "
                    + s.n() + " samples (input " + x.shapeString() + ")");
        }
        if ((long) virtualBatch * s.hw() <= 1) {
            throw new IllegalArgumentException("expected more than 1 value per channel in each virtual batch when "
                    + "training, got virtualBatch " + virtualBatch + " of input size " + x.shapeString());
        }
        return s.n() / virtualBatch;
    }

    private static void saved(Memory m, BatchNormSaved saved, int g, int c) {
        if (saved == null) throw new IllegalArgumentException("saved is null (the virtual batches' mean and invstd)");
        require(m, "saveMean", saved.mean(), g, c);
        require(m, "saveInvstd", saved.invstd(), g, c);
        optional(m, "saveOffset", saved.offset(), g, c);
    }

    private static Tensor[] corrections(Memory m, BatchRenormSaved rd, BatchNormShape s) {
        if (rd == null) throw new IllegalArgumentException("corrections are null (r and d)");
        return new Tensor[] {require(m, "r", rd.r(), s.c()), require(m, "d", rd.d(), s.c())};
    }

    /** Batch norm's checks of x, y, gamma, beta, residual and config. */
    private static BatchNormShape common(Memory m, Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual,
            BatchNormConfig config) {
        if (config == null) throw new IllegalArgumentException("config is null");
        requireAnyDType(m, "x", x);
        BatchNormShape s = BatchNormShape.of(x.shape());
        BatchNormArgs.activation(m, "y", y, x);
        if ((gamma == null) != (beta == null)) {
            throw new IllegalArgumentException("gamma and beta must both be given or both be null (affine = false)");
        }
        optional(m, "gamma", gamma, s.c());
        optional(m, "beta", beta, s.c());
        presence("residual", residual, config.fusion().hasResidual(), "when the fusion is " + config.fusion());
        if (residual != null) BatchNormArgs.activation(m, "residual", residual, x);
        return s;
    }
}
