package org.clengine.nn;

import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchRenormBackward;
import org.clengine.batchnorm.BatchRenormSaved;
import org.clengine.batchnorm.BatchRenormSchedule;
import org.clengine.batchnorm.BatchRenormTraining;
import org.clengine.batchnorm.GhostBatchNormBackward;
import org.clengine.batchnorm.GhostBatchNormTraining;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.core.AllGather;
import org.clengine.core.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch normalization over channel dimension 1, PyTorch's {@code BatchNorm1d} ([N,C] or [N,C,L]) and
 * {@code BatchNorm2d} ([N,C,H,W]) with their defaults: eps 1e-5, momentum 0.1, affine (weight = gamma 1, bias =
 * beta 0), running statistics tracked. Training mode normalizes with the batch's statistics and updates the
 * running ones; evaluation mode uses the running ones. A fused ReLU, or residual add then ReLU
 * ({@link #forward(Tensor, Tensor)}), runs in the same kernels. Options: {@link #freeze} (torchvision's
 * FrozenBatchNorm2d: the running statistics in training mode too, gamma and beta still learned) and
 * {@link #runningUpdate} (SKIP: a batch whose statistics are not finite leaves the running ones as they were,
 * counted in {@link #skippedUpdates}).
 */
public final class BatchNorm extends Module implements ReluFusable {
    private static final Logger log = LoggerFactory.getLogger(BatchNorm.class);
    private final int channels;
    private final boolean spatial;
    private final Parameter gamma;
    private final Parameter beta;
    private BatchNormRunningStats running;
    private BatchNormConfig config = BatchNormConfig.DEFAULT;
    private Tensor x;
    private Tensor y;
    private BatchNormSaved saved;
    private boolean trainedForward;
    private boolean warnedUntracked;
    /** Ghost batch norm's samples per virtual batch, 0 when off; batch renormalization's schedule, null when off. */
    private int virtualBatch;
    private BatchRenormSchedule renorm;
    private BatchRenormSaved corrections;
    /** SyncBN's ranks (issue 16), null when off. */
    private AllGather ranks;

    private BatchNorm(Backend backend, int channels, boolean spatial) {
        super(backend);
        this.channels = channels;
        this.spatial = spatial;
        float[] ones = new float[channels];
        java.util.Arrays.fill(ones, 1f);
        this.gamma = parameter("weight", ones, channels);
        this.beta = parameter("bias", new float[channels], channels);
        this.running = BatchNormRunningStats.create(backend.memory(), channels);
        buffer("running_mean", running.mean());
        buffer("running_var", running.var());
    }

    /** PyTorch's BatchNorm2d(channels): input [N,C,H,W]. */
    public static BatchNorm batchNorm2d(Backend backend, int channels) {
        return new BatchNorm(backend, channels, true);
    }

    /** PyTorch's BatchNorm1d(channels): input [N,C] or [N,C,L]. */
    public static BatchNorm batchNorm1d(Backend backend, int channels) {
        return new BatchNorm(backend, channels, false);
    }

    @Override
    public void fuseRelu() {
        if (config.fusion() == BatchNormFusion.NONE) config = config.withFusion(BatchNormFusion.RELU);
    }

    @Override
    public boolean reluFused() {
        return config.fusion().hasRelu();
    }

    /** y = relu(BN(x) + residual): the tail of a residual block. */
    public void fuseAddRelu() {
        config = config.withFusion(BatchNormFusion.ADD_RELU);
    }

    /**
     * Ghost batch norm (Hoffer et al. 2017): in training, each run of {@code samples} consecutive samples of the
     * batch is normalized by its own statistics and updates the running ones once; the batch size must be a
     * multiple of it. Evaluation is unchanged. Returns this module.
     */
    public BatchNorm ghost(int samples) {
        if (samples <= 0) throw new IllegalArgumentException("virtualBatch must be positive, got " + samples);
        if (renorm != null) throw new IllegalStateException("ghost batch norm and batch renormalization exclude "
                + "each other; this BatchNorm already renormalizes");
        if (ranks != null) throw new IllegalStateException("ghost batch norm excludes synchronized batch norm");
        virtualBatch = samples;
        return this;
    }

    /**
     * Batch renormalization (Ioffe 2017): in training, y = gamma·(r·x̂ + d) + beta with r and d from the running
     * statistics, limited by {@code schedule} at the step given by the batches tracked. Returns this module.
     */
    public BatchNorm renorm(BatchRenormSchedule schedule) {
        if (schedule == null) throw new IllegalArgumentException("schedule is null");
        if (virtualBatch > 0) throw new IllegalStateException("ghost batch norm and batch renormalization exclude "
                + "each other; this BatchNorm is already ghost");
        if (ranks != null) throw new IllegalStateException("batch renormalization excludes synchronized batch norm");
        renorm = schedule;
        return this;
    }

    /**
     * Synchronized batch norm (SyncBN): in training, the statistics are those of the whole batch, every rank's slice
     * together, exchanged through {@code ranks} (a {@code org.clengine.distributed.Collective}; null turns it off).
     * Every rank must call forward and backward in step. Evaluation and frozen mode are unchanged. Returns this.
     */
    public BatchNorm sync(AllGather group) {
        if (group != null && (virtualBatch > 0 || renorm != null)) {
            throw new IllegalStateException("synchronized batch norm excludes ghost batch norm and batch "
                    + "renormalization; this BatchNorm has one");
        }
        ranks = group;
        return this;
    }

    /** The ranks SyncBN exchanges with, or null. */
    public AllGather syncGroup() {
        return ranks;
    }

    /**
     * Frozen (true) or not: when frozen, training mode normalizes with the running statistics, updates nothing,
     * and backward treats them as constants (dx = gamma·invstd·dy); gamma and beta still get their gradients.
     */
    public void freeze(boolean frozen) {
        config = config.withFrozen(frozen);
    }

    public boolean frozen() {
        return config.frozen();
    }

    /** What a training batch whose statistics are not finite does to the running ones (PROPAGATE by default). */
    public void runningUpdate(RunningUpdatePolicy policy) {
        config = config.withUpdate(policy);
    }

    public RunningUpdatePolicy runningUpdate() {
        return config.update();
    }

    /** Channel updates of the running statistics that SKIP refused, summed over channels (a read back). */
    public long skippedUpdates() {
        return running.skippedUpdates();
    }

    /** BatchNorm2d (statistics over N·H·W) rather than BatchNorm1d. */
    public boolean spatial() {
        return spatial;
    }

    /** eps and momentum as configured (the fusion is an execution detail of the layers around it). */
    public BatchNormConfig config() {
        return config;
    }

    public Parameter weight() {
        return gamma;
    }

    public Parameter bias() {
        return beta;
    }

    public BatchNormRunningStats runningStats() {
        return running;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (config.fusion().hasResidual()) {
            throw new IllegalStateException("this BatchNorm adds a residual: call forward(x, residual)");
        }
        return forward(input, null);
    }

    /** Forward with the residual added before the ReLU (only after {@link #fuseAddRelu()}). */
    public Tensor forward(Tensor input, Tensor residual) {
        checkInput(input);
        x = input;
        y = workspace("y", input.dtype(), input.shape());
        if (isTraining() && !config.frozen() && (virtualBatch > 0 || renorm != null)) {
            forwardVariant(residual);
        } else if (isTraining() && ranks != null && !config.frozen()) {
            backend.batchNorm().forwardTrainingSync(BatchNormTraining.of(y, saved(), x).affine(gamma.value(),
                    beta.value()).residual(residual).running(running).config(config), ranks);
        } else if (isTraining()) {
            if (config.frozen()) warnIfUntracked();
            backend.batchNorm().forwardTraining(BatchNormTraining.of(y, saved(), x).affine(gamma.value(),
                    beta.value()).residual(residual).running(running).config(config));
        } else {
            warnIfUntracked();
            backend.batchNorm().forwardInference(BatchNormInference.of(y, x, running).affine(gamma.value(),
                    beta.value()).residual(residual).config(config));
        }
        trainedForward = isTraining();
        return y;
    }

    /**
     * {@code this(conv(input), residual)}: in training mode one fused op that takes the batch statistics as the
     * convolution writes its output (bitwise the unfused result), else the two ops in turn.
     */
    Tensor forwardAfter(Conv2d conv, Tensor input, Tensor residual) {
        if (!isTraining() || config.frozen() || conv.reluFused() || virtualBatch > 0 || renorm != null
                || ranks != null) {
            return forward(conv.forward(input), residual);
        }
        if (config.fusion().hasResidual() != (residual != null)) {
            throw new IllegalStateException("residual given " + (residual != null) + ", fusion " + config.fusion());
        }
        x = conv.prepare(input);
        checkInput(x);
        y = workspace("y", x.dtype(), x.shape());
        backend.conv2d().forwardBatchNormTraining(input, conv.weight().valueAs(input.dtype()), conv.biasValue(), conv.params(),
                BatchNormTraining.of(y, saved(), x).affine(gamma.value(), beta.value()).residual(residual)
                        .running(running).config(config));
        trainedForward = true;
        return y;
    }

    /**
     * Eval mode on running statistics that no training batch ever updated (the defaults, mean 0 and variance 1)
     * normalizes with the wrong numbers: the most common batch-norm mistake. Warned once per module.
     */
    private void warnIfUntracked() {
        if (warnedUntracked || running.batchesTracked() > 0) return;
        warnedUntracked = true;
        log.warn("{}({}) runs in eval mode on running statistics that were never updated (0 batches tracked): it "
                + "normalizes with mean 0 and variance 1, not the data's statistics; train first or load a state",
                spatial ? "BatchNorm2d" : "BatchNorm1d", channels);
    }

    /** Ghost batch norm's or batch renormalization's training forward (issue 14). */
    private void forwardVariant(Tensor residual) {
        if (virtualBatch > 0) {
            int groups = Math.max(1, x.dim(0) / virtualBatch);
            saved = new BatchNormSaved(workspace("ghost_save_mean", groups, channels),
                    workspace("ghost_save_invstd", groups, channels), workspace("ghost_save_offset", groups, channels));
            backend.batchNorm().forwardTrainingGhost(new GhostBatchNormTraining(BatchNormTraining.of(y, saved, x)
                    .affine(gamma.value(), beta.value()).residual(residual).running(running).config(config),
                    virtualBatch));
            return;
        }
        corrections = new BatchRenormSaved(workspace("renorm_r", channels), workspace("renorm_d", channels));
        backend.batchNorm().forwardTrainingRenorm(new BatchRenormTraining(BatchNormTraining.of(y, saved(), x)
                .affine(gamma.value(), beta.value()).residual(residual).running(running).config(config),
                renorm.at(running.batchesTracked()), corrections));
    }

    /** The saved statistics' workspace tensors. */
    private BatchNormSaved saved() {
        saved = new BatchNormSaved(workspace("save_mean", channels), workspace("save_invstd", channels),
                workspace("save_offset", channels));
        return saved;
    }

    private void checkInput(Tensor input) {
        if (input == null) throw new IllegalArgumentException("BatchNorm: input is null");
        boolean ok = spatial ? input.rank() == 4 : input.rank() == 2 || input.rank() == 3;
        if (!ok || input.dim(1) != channels) {
            throw new IllegalArgumentException((spatial ? "BatchNorm2d(" : "BatchNorm1d(") + channels + ") expects "
                    + (spatial ? "[N," + channels + ",H,W]" : "[N," + channels + "] or [N," + channels + ",L]")
                    + ", got " + input.shapeString());
        }
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!trainedForward) throw new IllegalStateException("BatchNorm backward needs a training-mode forward");
        Tensor dx = workspace("dx", x.dtype(), x.shape());
        Tensor dres = config.fusion().hasResidual() ? workspace("dresidual", x.dtype(), x.shape()) : null;
        BatchNormBackward call = BatchNormBackward.of(dx, dy, x, saved).affine(gamma.value(), gamma.grad(),
                beta.grad()).forwardOutput(y).residualGradient(dres).config(config);
        if (config.frozen()) {
            backend.batchNorm().backward(call);
        } else if (ranks != null) {
            backend.batchNorm().backwardSync(call, ranks);
        } else if (virtualBatch > 0) {
            backend.batchNorm().backwardGhost(new GhostBatchNormBackward(call, virtualBatch));
        } else if (renorm != null) {
            backend.batchNorm().backwardRenorm(new BatchRenormBackward(call, corrections));
        } else {
            backend.batchNorm().backward(call);
        }
        return dx;
    }

    /** The residual's gradient from the last backward (add+ReLU fusion only). */
    public Tensor residualGradient() {
        return workspace("dresidual", x.dtype(), x.shape());
    }

    /** Also the skip counts: not a state buffer (PyTorch's state has no such entry), so closed here. */
    @Override
    public void close() {
        super.close();
        if (running.skipped() != null) running.skipped().close();
    }

    @Override
    protected Map<String, Long> ownCounters() {
        return Map.of("num_batches_tracked", running.batchesTracked());
    }

    @Override
    protected void setOwnCounter(String name, long value) {
        running = new BatchNormRunningStats(running.mean(), running.var(), running.skipped(), value);
    }
}
