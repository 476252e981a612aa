package org.clengine.device;

import org.clengine.core.ClEngineException;

/** No usable OpenCL: no ICD loader, no platform, or no device. The reference backend still works. */
public class OpenClUnavailableException extends ClEngineException {
    public static final String INSTALL_COMMAND =
            "apt-get install ocl-icd-libopencl1 ocl-icd-opencl-dev pocl-opencl-icd clinfo";

    public OpenClUnavailableException(String what, Throwable cause) {
        super(what + ". On Debian, install an ICD loader and a CPU OpenCL driver with: " + INSTALL_COMMAND
                + " (the ./clengine launcher does this when run as root); see native-notes/troubleshooting.md."
                + " The reference backend works without OpenCL.", cause);
    }
}
