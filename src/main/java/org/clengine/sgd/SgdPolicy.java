package org.clengine.sgd;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * The launch values of kernels/sgd.cl on one device family: each work-item updates one span of consecutive
 * parameters, and ⌈n/span⌉ items are rounded up to the local size. The same walk as the elementwise kernels (their
 * measured values), and like theirs these values change speed, never results.
 *
 * @param span  parameters per work-item
 * @param local local size
 */
public record SgdPolicy(long span, long local) {

    public SgdPolicy {
        if (span < 1 || local < 1) {
            throw new IllegalArgumentException("sgd span and local size must be at least 1, got " + span + " and "
                    + local);
        }
    }

    /** CPUs: spans of 4096 floats, local size 1; GPUs: one parameter per work-item, groups of 256 (or the limit). */
    public static SgdPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        long max = device.maxWorkGroupSize();
        return switch (family) {
            case CPU -> new SgdPolicy(4096, Math.min(1, max));
            case GPU -> new SgdPolicy(1, Math.min(256, max));
        };
    }

    public SgdPolicy withSpan(long value) {
        return new SgdPolicy(value, local);
    }

    public SgdPolicy withLocal(long value) {
        return new SgdPolicy(span, value);
    }
}
