package org.clengine.batchnorm;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Running mean and variance of one batch normalization layer, the number of batches tracked, and per channel the
 * updates that policy SKIP refused ({@link RunningUpdatePolicy}). Fresh statistics are mean 0 and variance 1, as
 * in PyTorch. Owns its tensors. The update rule lives here, once, for every implementation: {@link #nextUpdate}
 * counts the batch and says how to fold it in.
 */
public final class BatchNormRunningStats implements AutoCloseable {
    private final Tensor mean;
    private final Tensor var;
    private final Tensor skipped;
    private long batchesTracked;

    /** Without a skip counter: SKIP still keeps the values, uncounted. */
    public BatchNormRunningStats(Tensor mean, Tensor var, long batchesTracked) {
        this(mean, var, null, batchesTracked);
    }

    /**
     * @param skipped [C] counts of the updates SKIP refused, one per channel (fp32, exact to 2^24), or null
     */
    public BatchNormRunningStats(Tensor mean, Tensor var, Tensor skipped, long batchesTracked) {
        if (mean == null || var == null) throw new IllegalArgumentException("running mean and var must not be null");
        if (batchesTracked < 0) throw new IllegalArgumentException("batchesTracked is negative: " + batchesTracked);
        this.mean = mean;
        this.var = var;
        this.skipped = skipped;
        this.batchesTracked = batchesTracked;
    }

    /** Mean 0, variance 1, no batches tracked, no skips, in {@code memory}. */
    public static BatchNormRunningStats create(Memory memory, int channels) {
        return new BatchNormRunningStats(memory.full(0f, channels), memory.full(1f, channels),
                memory.full(0f, channels), 0);
    }

    public Tensor mean() {
        return mean;
    }

    public Tensor var() {
        return var;
    }

    public long batchesTracked() {
        return batchesTracked;
    }

    /** The per-channel skip counts [C], or null when not kept. */
    public Tensor skipped() {
        return skipped;
    }

    /** Channel updates refused by SKIP so far, all channels together (reads the counts back: a sync). */
    public long skippedUpdates() {
        if (skipped == null) return 0;
        long total = 0;
        for (float v : skipped.toArray()) total += (long) v;
        return total;
    }

    /**
     * One batch's update: {@code running = oldWeight·running + newWeight·batch}, running_var taking the batch
     * variance unbiased (× M/(M−1), PyTorch) or biased (ONNX).
     *
     * @param oldWeight  the running value's weight
     * @param newWeight  the batch value's weight
     * @param perChannel M, the values per channel the batch statistics were taken over
     * @param unbiased   whether running_var receives the unbiased batch variance
     * @param skip       policy SKIP: a channel whose new mean or var would not be finite keeps both
     */
    public record Update(double oldWeight, double newWeight, long perChannel, boolean unbiased, boolean skip) {
        /** No running statistics: the kernels are given weights {1, 0} and nothing reads them. */
        public static final Update NONE = new Update(1, 0, 0, false, false);

        /** Policy PROPAGATE. */
        public Update(double oldWeight, double newWeight, long perChannel, boolean unbiased) {
            this(oldWeight, newWeight, perChannel, unbiased, false);
        }

        /** The new running mean, in double (the reference's arithmetic). */
        public double mean(double running, double batchMean) {
            return oldWeight * running + newWeight * batchMean;
        }

        /**
         * The new running variance from the batch's biased variance, in double (the reference's arithmetic). A batch
         * variance past fp32's range enters as the fp32 value it is in PyTorch and the kernels, Inf: with a zero
         * weight on it (momentum 0) the update is 0·Inf = NaN, PyTorch's answer, not the running value.
         */
        public double var(double running, double biasedVar) {
            double batchVar = unbiased ? biasedVar * perChannel / (perChannel - 1) : biasedVar;
            if (!Float.isFinite((float) batchVar)) batchVar = (float) batchVar;
            return oldWeight * running + newWeight * batchVar;
        }

        /**
         * Folds channel c's batch statistics into the running ones as the reference does (double, then fp32):
         * under SKIP, batch statistics or a result that are not finite as fp32 values (the kernels' precision)
         * leave both values and count one skip in {@code skipped} (when given).
         */
        public void apply(float[] runMean, float[] runVar, float[] skipped, int c, double batchMean,
                double biasedVar) {
            float m = (float) mean(runMean[c], batchMean);
            float v = (float) var(runVar[c], biasedVar);
            boolean batchFinite = Float.isFinite((float) batchMean) && Float.isFinite((float) biasedVar);
            if (skip && !(batchFinite && Float.isFinite(m) && Float.isFinite(v))) {
                if (skipped != null) skipped[c] += 1;
                return;
            }
            runMean[c] = m;
            runVar[c] = v;
        }

        /** running_var's factor on the biased batch variance as the kernels take it: M/(M−1) or 1. */
        public float varScale() {
            return unbiased ? (float) ((double) perChannel / (perChannel - 1)) : 1f;
        }
    }

    /**
     * The update for the batch that makes the count {@code batchesTracked} (counted already): momentum weights the
     * new value (PyTorch) or the old one (ONNX); without momentum, the cumulative average (PyTorch's momentum=None).
     */
    public static Update update(BatchNormConfig config, long batchesTracked, long perChannel) {
        Double momentum = config.momentum();
        double fresh;
        if (momentum == null) {
            fresh = 1.0 / batchesTracked;
        } else {
            fresh = config.convention() == MomentumConvention.PYTORCH ? momentum : 1 - momentum;
        }
        return new Update(1 - fresh, fresh, perChannel, config.convention() == MomentumConvention.PYTORCH,
                config.update() == RunningUpdatePolicy.SKIP);
    }

    /** Counts one more batch and returns how to fold it in; called by every implementation's forward training. */
    public Update nextUpdate(BatchNormConfig config, long perChannel) {
        return update(config, ++batchesTracked, perChannel);
    }

    @Override
    public void close() {
        mean.close();
        var.close();
        if (skipped != null) skipped.close();
    }
}
