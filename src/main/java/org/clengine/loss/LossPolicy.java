package org.clengine.loss;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * The loss's launch values on one device family: loss_softmax_xent_rows runs one work-item per row in work-groups
 * of up to {@code local} (fewer when there are fewer rows, or when the kernel allows fewer on the device); the
 * kernel guards the excess. The sum over rows is always one work-item, in row order, so that the loss is bitwise
 * deterministic whatever the policy.
 *
 * @param local the largest local size of the per-row kernel
 */
public record LossPolicy(int local) {

    public LossPolicy {
        if (local < 1) throw new IllegalArgumentException("loss local size must be at least 1, got " + local);
    }

    /** Local size 64 on both families; not measured against other values. */
    public static LossPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        if (device == null) throw new IllegalArgumentException("device is null");
        return new LossPolicy(64);
    }

    public LossPolicy withLocal(int value) {
        return new LossPolicy(value);
    }
}
