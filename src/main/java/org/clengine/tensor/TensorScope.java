package org.clengine.tensor;

import java.util.ArrayDeque;
import java.util.Deque;
import org.clengine.backend.Backend;

/** Closes every tensor made through it, newest first. Keeps loops that allocate leak-free. */
public final class TensorScope implements AutoCloseable {
    private final Backend backend;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();

    public TensorScope(Backend backend) {
        this.backend = backend;
    }

    public Backend backend() {
        return backend;
    }

    public Tensor tensor(float[] data, int... shape) {
        return add(backend.tensor(data, shape));
    }

    public Tensor full(float value, int... shape) {
        return add(backend.full(value, shape));
    }

    /** Takes ownership of anything closeable (tensors, running statistics). */
    public <T extends AutoCloseable> T add(T resource) {
        owned.push(resource);
        return resource;
    }

    @Override
    public void close() {
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception ignored) {
                // close() of the engine's resources does not throw; anything else must not stop the rest
            }
        }
    }
}
