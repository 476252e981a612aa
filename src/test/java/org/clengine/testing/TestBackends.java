package org.clengine.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.clengine.device.DeviceManager;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;

/**
 * The backends the tests compare: one OpenCL backend per test JVM (opened once: building programs is slow) and the
 * reference. Without OpenCL the device tests are skipped with a message, except under CI=true, where they fail:
 * CI installs PoCL, so a missing device there is a bug, never a reason to pass.
 */
public final class TestBackends {
    private static OpenClBackend openCl;
    public static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private TestBackends() {
    }

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

    /** A seed from -Dclengine.seed, else a fresh one; tests put it in their names and failure messages. */
    public static long seed() {
        String s = System.getProperty("clengine.seed");
        return s != null ? Long.parseLong(s) : System.nanoTime() ^ 0x5DEECE66DL;
    }
}
