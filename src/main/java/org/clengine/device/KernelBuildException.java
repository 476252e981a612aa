package org.clengine.device;

import org.clengine.core.ClEngineException;

/** A kernel file failed to build: carries the file, the options and the compiler's full build log. */
public class KernelBuildException extends ClEngineException {
    private final String buildLog;

    public KernelBuildException(String file, String options, String device, String buildLog, Throwable cause) {
        super("building kernels/" + file + " with options [" + options + "] failed on " + device
                + "\n--- build log ---\n" + buildLog.strip() + "\n--- end of build log ---", cause);
        this.buildLog = buildLog;
    }

    public String buildLog() {
        return buildLog;
    }
}
