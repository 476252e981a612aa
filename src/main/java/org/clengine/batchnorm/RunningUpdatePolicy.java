package org.clengine.batchnorm;

/**
 * What a training batch whose statistics are not finite (a NaN or Inf anywhere in a channel) does to that channel's
 * running statistics.
 */
public enum RunningUpdatePolicy {
    /** PyTorch's behaviour: the update is written whatever it is, so one bad batch leaves NaN or Inf for good. */
    PROPAGATE,
    /**
     * A channel whose batch mean or variance is not finite as an fp32 value (NaN or Inf in the channel, or a
     * variance past fp32's range), or whose updated running mean or variance would not be, keeps both, and the
     * skip is counted ({@link BatchNormRunningStats#skippedUpdates}); other updates are bitwise those of PROPAGATE.
     */
    SKIP
}
