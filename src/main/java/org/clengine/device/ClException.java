package org.clengine.device;

import org.clengine.core.ClEngineException;
import org.jocl.CL;
import org.jocl.CLException;

/** An OpenCL call failed: carries the CL error name, what the engine was doing, and on which device. */
public class ClException extends ClEngineException {
    private final int errorCode;

    public ClException(int errorCode, String action, String device, Throwable cause) {
        super(action + " failed on " + device + ": " + CL.stringFor_errorCode(errorCode)
                + " (" + errorCode + ")" + hint(errorCode), cause);
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }

    /** Translates a JOCL exception once, at the boundary. */
    static ClException of(CLException e, String action, String device) {
        return new ClException(e.getStatus(), action, device, e);
    }

    private static String hint(int code) {
        return switch (code) {
            case CL.CL_MEM_OBJECT_ALLOCATION_FAILURE, CL.CL_OUT_OF_RESOURCES, CL.CL_OUT_OF_HOST_MEMORY ->
                    "; the device ran out of memory or resources (see native-notes/troubleshooting.md)";
            case CL.CL_INVALID_WORK_GROUP_SIZE ->
                    "; the local size does not fit this kernel on this device (see native-notes/troubleshooting.md)";
            default -> "";
        };
    }
}
