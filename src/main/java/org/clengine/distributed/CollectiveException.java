package org.clengine.distributed;

import org.clengine.core.ClEngineException;

/** A collective operation failed: a rank died, timed out, or sent what the others did not expect. */
public class CollectiveException extends ClEngineException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
