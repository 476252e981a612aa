package org.clengine.pooling;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * Pooling's launch values on one device family. Every kernel of kernels/pooling.cl runs one work-item per output
 * row, output or input element (dimension 0) and plane (dimension 1), in work-groups of up to {@code local}
 * work-items along dimension 0: fewer when there are fewer items or when the kernel allows fewer on the device. The
 * kernels guard the excess, so the value changes speed, never results. The global average's group kernel takes one
 * work-group of up to {@code local} items per plane; its result does not depend on the group's size either.
 *
 * @param walk  which kernels: rows of outputs per work-item (CPUs) or one element per work-item (GPUs)
 * @param local the largest local size in dimension 0
 */
public record PoolingPolicy(Walk walk, int local) {

    /** How the work-items of pooling.cl walk memory (kernels/pooling.cl's header). */
    public enum Walk {
        /**
         * A row of outputs per work-item for max forward, the scatter kernel for disjoint max backward, one
         * work-item per plane for the global average: long private walks in address order, what PoCL runs fast.
         */
        ROWS,
        /**
         * One output or input element per work-item (pooling_max_fwd_each; max backward always gathers) and a
         * work-group per plane for the global average: neighbouring work-items on neighbouring addresses.
         */
        ELEMENTS
    }

    public PoolingPolicy {
        if (walk == null) throw new IllegalArgumentException("pooling walk is null");
        if (local < 1) throw new IllegalArgumentException("pooling local size must be at least 1, got " + local);
    }

    /**
     * CPUs: rows, local size 64 (the row kernels are 1.5-3x faster than one output per item on PoCL,
     * mb128ic32ih28kh2). GPUs: elements in groups of 128 (a multiple of NVIDIA's 32 and AMD's 64 lanes; not
     * measured on a GPU), cut to the device's work-group limit.
     */
    public static PoolingPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        if (device == null) throw new IllegalArgumentException("device is null");
        return switch (family) {
            case CPU -> new PoolingPolicy(Walk.ROWS, 64);
            case GPU -> new PoolingPolicy(Walk.ELEMENTS, (int) Math.min(128, device.maxWorkGroupSize()));
        };
    }

    public PoolingPolicy withLocal(int value) {
        return new PoolingPolicy(walk, value);
    }

    public PoolingPolicy withWalk(Walk value) {
        return new PoolingPolicy(value, local);
    }
}
