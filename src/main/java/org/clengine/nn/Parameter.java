package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * A trainable tensor and its gradient (same shape), on the backend of the module that made it. Backward overwrites
 * the gradient; it never accumulates.
 */
public final class Parameter implements AutoCloseable {
    private final Backend backend;
    private final Tensor value;
    private final Tensor grad;

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

    @Override
    public void close() {
        grad.close();
        value.close();
    }
}
