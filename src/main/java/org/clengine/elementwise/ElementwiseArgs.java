package org.clengine.elementwise;

import static org.clengine.core.TensorChecks.requireAnyDType;
import static org.clengine.core.TensorChecks.sameDType;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks elementwise calls: every tensor open, on this backend, and of one shape and one dtype (F32, F16 or BF16:
 * the ops compute in fp32 whatever the storage, issue 15). Both backends call these.
 */
public final class ElementwiseArgs {
    private ElementwiseArgs() {
    }

    /** {@code first} is required; every other tensor (name, tensor pairs) must have its shape. */
    public static void sameShape(Memory b, String firstName, Tensor first, Object... others) {
        requireAnyDType(b, firstName, first);
        for (int i = 0; i < others.length; i += 2) {
            requireAnyDType(b, (String) others[i], (Tensor) others[i + 1], first.shape());
            sameDType(firstName, first, (String) others[i], (Tensor) others[i + 1]);
        }
    }

    /**
     * A conversion's dst and src: each open, on this backend, any dtype; one shape; no shared storage (elements of
     * two sizes would overlap, so in place is refused rather than defined).
     */
    public static void convert(Memory b, Tensor dst, Tensor src) {
        requireAnyDType(b, "src", src);
        requireAnyDType(b, "dst", dst, src.shape());
        Aliasing.outputs("dst", dst).inputs("src", src).check();
    }

    /** A scalar that must be finite. */
    public static float finite(String name, float value) {
        if (!Float.isFinite(value)) throw new IllegalArgumentException(name + " must be finite, got " + value);
        return value;
    }
}
