package org.clengine.device;

/**
 * Told of every kernel a {@link Device} enqueues, with its build options. Injected when the device is opened; the
 * kernel-coverage test uses one to see which kernels each op family's tests launched.
 */
@FunctionalInterface
public interface LaunchListener {
    LaunchListener NONE = (kernel, options) -> { };

    void launched(KernelBinding kernel, String options);
}
