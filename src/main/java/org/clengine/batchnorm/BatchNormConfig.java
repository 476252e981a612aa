package org.clengine.batchnorm;

/**
 * Batch normalization parameters. Defaults follow PyTorch: eps 1e-5, momentum 0.1 weighting the new value.
 *
 * @param eps        added to the variance before the square root; a normal fp32 value (the kernels' precision)
 * @param momentum   in [0, 1] (0 or a normal fp32 value), or null for a cumulative average over the batches
 *                   tracked (PyTorch's momentum=None)
 * @param convention which side the momentum weights and whether running_var is unbiased
 * @param fusion     what follows the normalization
 * @param update     what a batch whose statistics are not finite does to the running ones (PROPAGATE: PyTorch)
 * @param frozen     frozen batch norm (torchvision's FrozenBatchNorm2d): forward training normalizes with the
 *                   running statistics and updates nothing; backward treats them as constants
 */
public record BatchNormConfig(double eps, Double momentum, MomentumConvention convention, BatchNormFusion fusion,
        RunningUpdatePolicy update, boolean frozen) {
    public static final BatchNormConfig DEFAULT =
            new BatchNormConfig(1e-5, 0.1, MomentumConvention.PYTORCH, BatchNormFusion.NONE);

    /** PROPAGATE, not frozen. */
    public BatchNormConfig(double eps, Double momentum, MomentumConvention convention, BatchNormFusion fusion) {
        this(eps, momentum, convention, fusion, RunningUpdatePolicy.PROPAGATE, false);
    }

    public BatchNormConfig {
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be positive and finite, got " + eps);
        }
        // the kernels add eps in fp32: one below the smallest normal float is flushed to 0 on many GPUs (and
        // rounds to 0 below 1.4e-45), one above the largest float becomes infinite; the double reference would
        // honour both, and the two would differ
        if (eps < Float.MIN_NORMAL || eps > Float.MAX_VALUE) {
            throw new IllegalArgumentException("eps must be a normal fp32 value, in [" + Float.MIN_NORMAL + ", "
                    + Float.MAX_VALUE + "] (the kernels compute in fp32), got " + eps);
        }
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1] or null (cumulative average), got "
                    + momentum);
        }
        if (momentum != null && momentum > 0 && momentum < Float.MIN_NORMAL) {
            throw new IllegalArgumentException("momentum must be 0 or at least " + Float.MIN_NORMAL
                    + " (the kernels weigh the batch in fp32), got " + momentum);
        }
        if (convention == null) throw new IllegalArgumentException("convention is null");
        if (fusion == null) throw new IllegalArgumentException("fusion is null");
        if (update == null) throw new IllegalArgumentException("update policy is null");
    }

    public BatchNormConfig withEps(double value) {
        return new BatchNormConfig(value, momentum, convention, fusion, update, frozen);
    }

    public BatchNormConfig withMomentum(Double value) {
        return new BatchNormConfig(eps, value, convention, fusion, update, frozen);
    }

    public BatchNormConfig withConvention(MomentumConvention value) {
        return new BatchNormConfig(eps, momentum, value, fusion, update, frozen);
    }

    public BatchNormConfig withFusion(BatchNormFusion value) {
        return new BatchNormConfig(eps, momentum, convention, value, update, frozen);
    }

    public BatchNormConfig withUpdate(RunningUpdatePolicy value) {
        return new BatchNormConfig(eps, momentum, convention, fusion, value, frozen);
    }

    public BatchNormConfig withFrozen(boolean value) {
        return new BatchNormConfig(eps, momentum, convention, fusion, update, value);
    }
}
