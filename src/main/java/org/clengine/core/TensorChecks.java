package org.clengine.core;

import java.util.Arrays;

/** Argument checks shared by every op on every memory, so both backends report a bad call with the same message. */
public final class TensorChecks {
    private TensorChecks() {
    }

    /**
     * {@code t} is non-null, open, lives in {@code memory} and is F32: an op takes a 16-bit tensor only where it
     * says so, through {@link #requireAnyDType}.
     */
    public static Tensor require(Memory memory, String name, Tensor t) {
        requireAnyDType(memory, name, t);
        if (t.dtype() != DType.F32) {
            String op = OpNames.current();
            throw new IllegalArgumentException(op + " takes " + name + " as F32 only, got " + name + " "
                    + t.shapeString() + " of dtype " + t.dtype());
        }
        return t;
    }

    /** As {@link #require(Memory, String, Tensor)} for an op that takes every dtype for this argument. */
    public static Tensor requireAnyDType(Memory memory, String name, Tensor t) {
        if (t == null) throw new IllegalArgumentException(name + " is null");
        if (t.isClosed()) throw new ClEngineException(name + " " + t.shapeString() + " is closed");
        if (t.memory() != memory) {
            throw new IllegalArgumentException(name + " " + t.shapeString() + " belongs to backend "
                    + t.memory().name() + ", not to " + memory.name());
        }
        return t;
    }

    /** As {@link #require} and with exactly these dimensions. */
    public static Tensor require(Memory memory, String name, Tensor t, int... dims) {
        require(memory, name, t);
        return shape(name, t, dims);
    }

    /** As {@link #requireAnyDType(Memory, String, Tensor)} and with exactly these dimensions. */
    public static Tensor requireAnyDType(Memory memory, String name, Tensor t, int... dims) {
        requireAnyDType(memory, name, t);
        return shape(name, t, dims);
    }

    /**
     * {@code t} (when not null) has the dtype of {@code first}: one call's activations share one dtype, so a mix is
     * refused rather than converted silently.
     */
    public static void sameDType(String firstName, Tensor first, String name, Tensor t) {
        if (t != null && first != null && t.dtype() != first.dtype()) {
            throw new IllegalArgumentException(OpNames.current() + " takes its activations in one dtype: "
                    + firstName + " is " + first.dtype() + ", " + name + " is " + t.dtype());
        }
    }

    private static Tensor shape(String name, Tensor t, int... dims) {
        if (!Arrays.equals(t.shape(), dims)) {
            throw new IllegalArgumentException(name + " has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(dims));
        }
        return t;
    }

    /** Null is allowed; otherwise as {@link #require(Memory, String, Tensor, int...)}. */
    public static Tensor optional(Memory memory, String name, Tensor t, int... dims) {
        return t == null ? null : require(memory, name, t, dims);
    }

    /** Null is allowed; otherwise as {@link #requireAnyDType(Memory, String, Tensor, int...)}. */
    public static Tensor optionalAnyDType(Memory memory, String name, Tensor t, int... dims) {
        return t == null ? null : requireAnyDType(memory, name, t, dims);
    }

    /** Exactly one of "present" and "absent" holds for {@code t}, as {@code wanted} says. */
    public static void presence(String name, Tensor t, boolean wanted, String because) {
        if (wanted && t == null) throw new IllegalArgumentException(name + " is required " + because);
        if (!wanted && t != null) throw new IllegalArgumentException(name + " must be null " + because);
    }

    /** Host data of the right length for a shape. */
    public static int[] hostData(float[] data, int... shape) {
        if (data == null) throw new IllegalArgumentException("data is null");
        int n = Tensor.elementCount(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("data has " + data.length + " floats, shape " + Arrays.toString(shape)
                    + " needs " + n);
        }
        return shape;
    }

    /** ⌈a / b⌉ for positive b. */
    public static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** a rounded up to a multiple of {@code multiple}. */
    public static long roundUp(long a, long multiple) {
        return ceilDiv(a, multiple) * multiple;
    }
}
