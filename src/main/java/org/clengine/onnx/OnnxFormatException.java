package org.clengine.onnx;

import org.clengine.core.ClEngineException;

/** A file that is not valid ONNX protobuf, or holds what the engine cannot read. */
public class OnnxFormatException extends ClEngineException {
    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
