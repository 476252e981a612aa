package org.clengine.core;

/** The engine's unchecked exception: every failure the engine reports is one of these or a subclass. */
public class ClEngineException extends RuntimeException {
    public ClEngineException(String message) {
        super(message);
    }

    public ClEngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
