package org.clengine.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.clengine.device.DeviceManager;

/**
 * The commands' tests that run on OpenCL: skipped with a message when no device is usable, failed under CI=true,
 * where the launcher installs PoCL (a missing device there is a bug, never a reason to pass). The engine's tests
 * decide the same way (its TestBackends).
 */
final class OpenClRequired {
    private OpenClRequired() {
    }

    static void check() {
        boolean available = DeviceManager.available();
        if (!available && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but no OpenCL device is usable; the launcher installs PoCL");
        }
        assumeTrue(available, "SKIPPED: no OpenCL device (install pocl-opencl-icd); device tests not run");
    }
}
