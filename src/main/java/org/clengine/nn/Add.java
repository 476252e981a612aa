package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * The residual add y = a + b. Its backward is the identity to both branches: {@link #backward} returns dy itself
 * (every module treats the dy it is given as read-only), so no copy is made.
 */
public final class Add extends Module {
    public Add(Backend backend) {
        super(backend);
    }

    /** A single-input call is a mistake: the add needs both branches. */
    @Override
    public Tensor forward(Tensor x) {
        throw new IllegalStateException("Add needs two inputs: call forward(a, b)");
    }

    public Tensor forward(Tensor a, Tensor b) {
        if (a == null || b == null) throw new IllegalArgumentException("Add: an input is null");
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("Add: shapes differ, " + a.shapeString() + " + " + b.shapeString());
        }
        Tensor y = workspace("y", a.dtype(), a.shape());
        backend.elementwise().add(y, a, b);
        return y;
    }

    /** The gradient of both inputs: dy. */
    @Override
    public Tensor backward(Tensor dy) {
        return dy;
    }
}
