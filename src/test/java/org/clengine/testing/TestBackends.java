package org.clengine.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.device.Device;
import org.clengine.device.DeviceManager;

/**
 * The backends the tests compare: one OpenCL device per test JVM (opened once: building programs is slow), its
 * default backend, and the reference. A test that wants another variant makes a backend of its own on the same
 * device with the policy it wants ({@code openCl().withPolicy(policy().withConv2d(...))}); nothing shared is ever
 * changed. Without OpenCL the device tests are skipped with a message, except under CI=true, where they fail: CI
 * installs PoCL, so a missing device there is a bug, never a reason to pass.
 */
public final class TestBackends {
    private static OpenClBackend openCl;
    public static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private TestBackends() {
    }

    /** The device's backend with its default policy. */
    public static synchronized OpenClBackend openCl() {
        if (openCl == null) {
            boolean available = DeviceManager.available();
            if (!available && "true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true but no OpenCL device is usable; the launcher installs PoCL");
            }
            assumeTrue(available, "SKIPPED: no OpenCL device (install pocl-opencl-icd); device tests not run");
            openCl = OpenClBackend.open();
            Runtime.getRuntime().addShutdownHook(new Thread(openCl::close));
        }
        return openCl;
    }

    /** The device every OpenCL test shares. */
    public static Device device() {
        return openCl().device();
    }

    /** The default policy of that device: the base a test changes one part of. */
    public static LaunchPolicy policy() {
        return openCl().policy();
    }

    /** A backend on the shared device with {@code policy}. */
    public static OpenClBackend openCl(LaunchPolicy policy) {
        return openCl().withPolicy(policy);
    }

    /** A seed from -Dclengine.seed, else a fresh one; tests put it in their names and failure messages. */
    public static long seed() {
        String s = System.getProperty("clengine.seed");
        return s != null ? Long.parseLong(s) : System.nanoTime() ^ 0x5DEECE66DL;
    }
}
