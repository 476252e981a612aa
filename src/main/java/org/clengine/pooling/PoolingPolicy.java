package org.clengine.pooling;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * Pooling's launch values on one device family. Every kernel of kernels/pooling.cl runs one work-item per output
 * row, output or input element (dimension 0) and plane (dimension 1), in work-groups of up to {@code local}
 * work-items along dimension 0: fewer when there are fewer items or when the kernel allows fewer on the device. The
 * kernels guard the excess, so the value changes speed, never results.
 *
 * @param local the largest local size in dimension 0
 */
public record PoolingPolicy(int local) {

    public PoolingPolicy {
        if (local < 1) throw new IllegalArgumentException("pooling local size must be at least 1, got " + local);
    }

    /**
     * Local size 64 on both families (what kernels/pooling.cl's header documents). Speed comes from the row kernels
     * instead: a row of outputs per work-item is 1.5-3x faster than one output per item on PoCL (mb128ic32ih28kh2).
     */
    public static PoolingPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        if (device == null) throw new IllegalArgumentException("device is null");
        return new PoolingPolicy(64);
    }

    public PoolingPolicy withLocal(int value) {
        return new PoolingPolicy(value);
    }
}
