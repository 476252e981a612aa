package org.clengine.nn;

import java.util.EnumMap;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;

/**
 * A trainable tensor and its gradient (same shape), on the backend of the module that made it. Backward overwrites
 * the gradient; it never accumulates. The value and the gradient are F32 (the master copy); a module fed 16-bit
 * activations reads a 16-bit copy of the value ({@link #valueAs}), which {@link Sgd} refreshes after every step.
 */
public final class Parameter implements AutoCloseable {
    private final Backend backend;
    private final Tensor value;
    private final Tensor grad;
    private final Map<DType, Tensor> copies = new EnumMap<>(DType.class);

    Parameter(Backend backend, Tensor value, Tensor grad) {
        this.backend = backend;
        this.value = value;
        this.grad = grad;
    }

    /** The backend whose ops update it (SGD runs there). */
    public Backend backend() {
        return backend;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    /**
     * The value in {@code dtype}: the F32 master itself, or a copy rounded to nearest even, made on first use and
     * refreshed after each update: by the SGD kernel itself (its halfCopy), or {@link #refreshCopies()}.
     */
    public Tensor valueAs(DType dtype) {
        if (dtype == DType.F32) return value;
        Tensor copy = copies.get(dtype);
        if (copy == null) {
            copy = backend.memory().full(dtype, 0f, value.shape());
            copies.put(dtype, copy);
            copy.copyFrom(value.toArray());
        }
        return copy;
    }

    /** The one 16-bit copy in use, or null when there is none or more than one. */
    Tensor onlyCopy() {
        return copies.size() == 1 ? copies.values().iterator().next() : null;
    }

    /**
     * Rounds the master value into every 16-bit copy in use (what {@link Sgd} does on the device when there is
     * one). Through the host (a read and a write of the value): no
     * device op converts between dtypes yet; a model's weights are small beside its activations.
     */
    public void refreshCopies() {
        if (copies.isEmpty()) return;
        float[] master = value.toArray();
        copies.values().forEach(c -> c.copyFrom(master));
    }

    @Override
    public void close() {
        copies.values().forEach(Tensor::close);
        grad.close();
        value.close();
    }
}
