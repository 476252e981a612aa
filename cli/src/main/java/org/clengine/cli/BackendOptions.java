package org.clengine.cli;

import org.clengine.backend.Backend;
import org.clengine.device.DeviceManager;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --backend}, mixed into the commands that train (picocli {@code @Mixin}). */
final class BackendOptions {
    enum Kind { OPENCL, REFERENCE }

    @Option(names = "--device", description = "OpenCL device: gpu, cpu, gpu:1, #2 or a name substring (default: "
            + "-Dclengine.device, CLENGINE_DEVICE or the ranking)")
    String device;

    @Option(names = "--backend", defaultValue = "opencl", description = "opencl or reference (plain Java, slow; "
            + "default ${DEFAULT-VALUE})")
    Kind backend;

    /** The backend asked for, on the device asked for; closing it closes that device. */
    Backend open() {
        if (backend == Kind.REFERENCE) return new ReferenceBackend();
        return OpenClBackend.open((device == null ? DeviceManager.choose() : DeviceManager.choose(device)).device());
    }
}
