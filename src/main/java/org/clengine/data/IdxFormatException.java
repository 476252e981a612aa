package org.clengine.data;

/** A data file that is not what it claims to be: wrong magic, truncated, or inconsistent with its partner. */
public final class IdxFormatException extends IllegalArgumentException {
    public IdxFormatException(String message) {
        super(message);
    }
}
