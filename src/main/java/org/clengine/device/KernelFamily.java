package org.clengine.device;

import java.util.Locale;

/**
 * Which set of kernel variants and launch values a device gets: CPU (one work-item owns a register tile or a long
 * span, no local memory: what PoCL runs fast) or GPU (work-groups of 64–256, coalesced, local memory). Chosen by the
 * device's type, or forced for any device with {@code -Dclengine.kernels=cpu|gpu} or {@code CLENGINE_KERNELS}, so
 * that the GPU family's kernels can be checked on a CPU device.
 */
public enum KernelFamily {
    CPU, GPU;

    public static final String PROPERTY = "clengine.kernels";
    public static final String ENVIRONMENT = "CLENGINE_KERNELS";

    /** The forced family, if any, else the device's own. */
    public static KernelFamily of(DeviceInfo device) {
        String forced = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        if (forced != null && !forced.isBlank()) return parse(forced);
        return own(device);
    }

    /** The family the device's type calls for: CPU for CPU devices, GPU for the rest. */
    public static KernelFamily own(DeviceInfo device) {
        return device.typeName().equals("cpu") ? CPU : GPU;
    }

    public static KernelFamily parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kernel family '" + name + "' is not cpu or gpu");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
