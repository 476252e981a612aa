package org.clengine.elementwise;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * The launch values of kernels/elementwise.cl and copy.cl on one device family: each work-item handles
 * one span of consecutive elements, and ⌈n/span⌉ items are rounded up to the local size (the excess returns at
 * once). Spans and local sizes change speed, never results: every element is computed alike.
 *
 * @param span      floats per work-item of elementwise.cl
 * @param local     local size of those kernels
 * @param copySpan  float4s per work-item of copy.cl's copy_float4
 * @param copyLocal local size of copy_float4
 */
public record ElementwisePolicy(long span, long local, long copySpan, long copyLocal) {

    public ElementwisePolicy {
        positive("span", span);
        positive("local size", local);
        positive("copy span", copySpan);
        positive("copy local size", copyLocal);
    }

    /**
     * CPUs: few work-items each streaming a long span, local size 1 (spans of 4096 floats; copies 1024 float4s, the
     * same 16 KiB), walking memory as batch norm's apply kernels do. GPUs: one element per work-item in groups of 256,
     * so that neighbouring items touch neighbouring addresses and their accesses coalesce. Local sizes are cut to
     * the device's work-group limit.
     */
    public static ElementwisePolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        if (device == null) throw new IllegalArgumentException("device is null");
        long max = device.maxWorkGroupSize();
        return switch (family) {
            case CPU -> new ElementwisePolicy(4096, Math.min(1, max), 1024, Math.min(1, max));
            case GPU -> new ElementwisePolicy(1, Math.min(256, max), 1, Math.min(256, max));
        };
    }

    public ElementwisePolicy withSpan(long value) {
        return new ElementwisePolicy(value, local, copySpan, copyLocal);
    }

    public ElementwisePolicy withLocal(long value) {
        return new ElementwisePolicy(span, value, copySpan, copyLocal);
    }

    public ElementwisePolicy withCopySpan(long value) {
        return new ElementwisePolicy(span, local, value, copyLocal);
    }

    public ElementwisePolicy withCopyLocal(long value) {
        return new ElementwisePolicy(span, local, copySpan, value);
    }

    private static void positive(String name, long value) {
        if (value < 1) throw new IllegalArgumentException("elementwise " + name + " must be at least 1, got " + value);
    }
}
