package org.clengine.core;

import java.util.ArrayDeque;
import java.util.Deque;

/** Closes every tensor made through it, newest first. Keeps loops that allocate leak-free. */
public final class TensorScope implements AutoCloseable {
    private final Memory memory;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();

    public TensorScope(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public Memory memory() {
        return memory;
    }

    public Tensor tensor(float[] data, int... shape) {
        return add(memory.tensor(data, shape));
    }

    public Tensor full(float value, int... shape) {
        return add(memory.full(value, shape));
    }

    public Tensor tensor(DType dtype, float[] data, int... shape) {
        return add(memory.tensor(dtype, data, shape));
    }

    public Tensor full(DType dtype, float value, int... shape) {
        return add(memory.full(dtype, value, shape));
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
