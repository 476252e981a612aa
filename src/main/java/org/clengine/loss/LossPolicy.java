package org.clengine.loss;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * The loss's launch values on one device family: which per-row kernel, and its local size. Under
 * {@link Rows#ITEM} loss_softmax_xent_rows runs one work-item per row in work-groups of up to {@code local} (fewer
 * when there are fewer rows, or when the kernel allows fewer on the device; the kernel guards the excess); under
 * {@link Rows#GROUP} loss_softmax_xent_rows_group runs one work-group of up to {@code local} items per row, whose
 * result does not depend on the group's size. The sum over rows is always one work-item, in row order, so that the
 * loss is bitwise deterministic whatever the policy.
 *
 * @param rows  one work-item or one work-group per row
 * @param local the largest local size of the per-row kernel
 */
public record LossPolicy(Rows rows, int local) {

    /** How a row of logits is shared out (kernels/loss.cl's header). */
    public enum Rows {
        /** One work-item walks its row: the CPU family's (a long private walk in address order). */
        ITEM,
        /** A work-group per row, neighbouring items on neighbouring columns: the GPU family's. */
        GROUP
    }

    public LossPolicy {
        if (rows == null) throw new IllegalArgumentException("loss rows is null");
        if (local < 1) throw new IllegalArgumentException("loss local size must be at least 1, got " + local);
    }

    /**
     * CPUs: a work-item per row, local size 64. GPUs: a work-group of 64 per row (the kernel's 64 lanes; a multiple
     * of NVIDIA's 32 and AMD's 64 lanes), cut to the device's limit. Neither measured against other values.
     */
    public static LossPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        if (device == null) throw new IllegalArgumentException("device is null");
        return switch (family) {
            case CPU -> new LossPolicy(Rows.ITEM, 64);
            case GPU -> new LossPolicy(Rows.GROUP, (int) Math.min(64, device.maxWorkGroupSize()));
        };
    }

    public LossPolicy withLocal(int value) {
        return new LossPolicy(rows, value);
    }

    public LossPolicy withRows(Rows value) {
        return new LossPolicy(value, local);
    }
}
