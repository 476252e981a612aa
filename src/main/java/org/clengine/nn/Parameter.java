package org.clengine.nn;

import org.clengine.core.Tensor;

/** A trainable tensor and its gradient (same shape). Backward overwrites the gradient; it never accumulates. */
public final class Parameter implements AutoCloseable {
    private final Tensor value;
    private final Tensor grad;

    Parameter(Tensor value, Tensor grad) {
        this.value = value;
        this.grad = grad;
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
