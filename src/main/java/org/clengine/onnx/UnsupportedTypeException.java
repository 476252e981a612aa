package org.clengine.onnx;

/** A tensor of a data type the engine does not compute in: the case is skipped, not failed. */
public class UnsupportedTypeException extends OnnxFormatException {
    public UnsupportedTypeException(String message) {
        super(message);
    }
}
