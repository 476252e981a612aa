package org.clengine.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;

/**
 * A module's activations and gradients, allocated on first use and reused by every later call with the same
 * shape: after the first training step a step allocates nothing. One tensor per (name, shape), kept until
 * {@link #close()}; a handful of batch sizes (training, evaluation, the last partial batch) each keep their own.
 */
final class Workspace implements AutoCloseable {
    private final Backend backend;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    Workspace(Backend backend) {
        this.backend = backend;
    }

    /** The tensor for {@code name} with this shape; contents are whatever the last use left. */
    Tensor get(String name, int... shape) {
        return get(name, DType.F32, shape);
    }

    /** As {@link #get(String, int...)} for a tensor of {@code dtype} (16-bit activations and their gradients). */
    Tensor get(String name, DType dtype, int... shape) {
        return tensors.computeIfAbsent(name + " " + dtype + Arrays.toString(shape),
                k -> backend.memory().full(dtype, 0f, shape));
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
        tensors.clear();
    }
}
