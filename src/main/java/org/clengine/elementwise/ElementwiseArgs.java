package org.clengine.elementwise;

import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/** Checks elementwise calls: every tensor open, on this backend, and of one shape. Both backends call these. */
public final class ElementwiseArgs {
    private ElementwiseArgs() {
    }

    /** {@code first} is required; every other tensor (name, tensor pairs) must have its shape. */
    public static void sameShape(Memory b, String firstName, Tensor first, Object... others) {
        require(b, firstName, first);
        for (int i = 0; i < others.length; i += 2) {
            require(b, (String) others[i], (Tensor) others[i + 1], first.shape());
        }
    }

    /** A scalar that must be finite. */
    public static float finite(String name, float value) {
        if (!Float.isFinite(value)) throw new IllegalArgumentException(name + " must be finite, got " + value);
        return value;
    }
}
