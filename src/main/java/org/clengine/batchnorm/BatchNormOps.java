package org.clengine.batchnorm;

import org.clengine.core.AllGather;
import org.clengine.core.Memory;

/**
 * Batch normalization's contract, implemented by {@link BatchNormReference} (plain loops, double) and by the OpenCL
 * path. Every call is checked here, identically for both, before anything runs; then the implementation runs it
 * while holding its memory ({@link Memory#exclusive}).
 */
public abstract class BatchNormOps {
    private final Memory memory;

    protected BatchNormOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    /** Where this implementation's tensors live. */
    public final Memory memory() {
        return memory;
    }

    /** Training mode: batch statistics, saved for backward and folded into the running ones when given. */
    public final void forwardTraining(BatchNormTraining call) {
        memory.exclusive(() -> forwardTraining(call, BatchNormArgs.checkTraining(memory, call)));
    }

    /** Inference mode: the running statistics; nothing is updated. */
    public final void forwardInference(BatchNormInference call) {
        memory.exclusive(() -> forwardInference(call, BatchNormArgs.checkInference(memory, call)));
    }

    /** Backward from the saved statistics. */
    public final void backward(BatchNormBackward call) {
        memory.exclusive(() -> backward(call, BatchNormArgs.checkBackward(memory, call)));
    }

    // Ghost batch norm and batch renormalization (issue 14): checked by BatchNormVariantArgs

    /** Ghost batch norm's forward training: each virtual batch normalized by its own statistics. */
    public final void forwardTrainingGhost(GhostBatchNormTraining call) {
        memory.exclusive(() -> forwardTrainingGhost(call, BatchNormVariantArgs.checkGhostTraining(memory, call)));
    }

    /** Ghost batch norm's backward from the [G, C] saved statistics. */
    public final void backwardGhost(GhostBatchNormBackward call) {
        memory.exclusive(() -> backwardGhost(call, BatchNormVariantArgs.checkGhostBackward(memory, call)));
    }

    /** Batch renormalization's forward training: r and d from the running statistics, then their update. */
    public final void forwardTrainingRenorm(BatchRenormTraining call) {
        memory.exclusive(() -> forwardTrainingRenorm(call, BatchNormVariantArgs.checkRenormTraining(memory, call)));
    }

    /** Batch renormalization's backward, r and d constants. */
    public final void backwardRenorm(BatchRenormBackward call) {
        memory.exclusive(() -> backwardRenorm(call, BatchNormVariantArgs.checkRenormBackward(memory, call)));
    }

    // Synchronized batch norm (issue 16): statistics over every rank's slice, merged by SyncBatchNorm on the host

    /**
     * SyncBN's forward training: this rank's per-channel (count, mean, M2) are exchanged through {@code ranks},
     * merged in rank order (Chan's formula, in double), and this rank's slice is normalized with the merged
     * statistics; the running ones are updated once with the global unbiased variance, the same bits on every
     * rank. {@code saved.offset} is required (the merged mean's rounding error). The device is not held while the
     * ranks exchange.
     */
    public final void forwardTrainingSync(BatchNormTraining call, AllGather ranks) {
        SyncBatchNorm.forward(this, call, ranks);
    }

    /** SyncBN's backward: Σg and Σg·(x − μ) summed over the ranks in rank order; dgamma, dbeta are this rank's. */
    public final void backwardSync(BatchNormBackward call, AllGather ranks) {
        SyncBatchNorm.backward(this, call, ranks);
    }

    /** This rank's (count, mean, M2) per channel, 3·C values, from pivot-shifted sums. Arguments checked. */
    protected abstract double[] syncMoments(BatchNormTraining call, BatchNormShape shape);

    /** Normalizes x with the saved (merged) mean, offset and invstd, then the fusion. */
    protected abstract void syncApply(BatchNormTraining call, BatchNormShape shape);

    /** This rank's (Σg, Σg·(x − mean − offset)) per channel, 2·C values, g masked by a fused ReLU. */
    protected abstract double[] syncGradientSums(BatchNormBackward call, BatchNormShape shape);

    /** dx = a·g + b·(x − mean − offset) + k with coef[3c..3c+2] = (a, b, k); dresidual = g when fused. */
    protected abstract void syncGradientApply(BatchNormBackward call, BatchNormShape shape, float[] coef);

    protected abstract void forwardTrainingGhost(GhostBatchNormTraining call, BatchNormShape shape);

    protected abstract void backwardGhost(GhostBatchNormBackward call, BatchNormShape shape);

    protected abstract void forwardTrainingRenorm(BatchRenormTraining call, BatchNormShape shape);

    protected abstract void backwardRenorm(BatchRenormBackward call, BatchNormShape shape);

    protected abstract void forwardTraining(BatchNormTraining call, BatchNormShape shape);

    protected abstract void forwardInference(BatchNormInference call, BatchNormShape shape);

    protected abstract void backward(BatchNormBackward call, BatchNormShape shape);
}
