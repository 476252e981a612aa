package org.clengine.core;

import java.util.Arrays;
import org.clengine.core.ClEngineException;

/**
 * A float32 tensor in one {@link Memory} (the host's, or one device's): NCHW for 4-D, N×C for 2-D. Host data goes in and out as {@code float[]}.
 * Closing releases its memory; using it afterwards is an error naming the tensor.
 */
public abstract class Tensor implements AutoCloseable {
    private final int[] shape;
    private final int size;

    protected Tensor(int[] shape) {
        this.size = elementCount(shape);
        this.shape = shape.clone();
    }

    /**
     * The product of the dimensions; every dimension must be positive and the product at most
     * {@link ShapeMath#MAX_ELEMENTS} (2^31 − 2^20: the kernels index elements by int).
     */
    public static int elementCount(int... shape) {
        if (shape == null) throw new IllegalArgumentException("shape is null");
        if (shape.length == 0) throw new IllegalArgumentException("shape has no dimensions");
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a dimension of " + d
                        + "; every dimension must be positive");
            }
            n *= d;
            if (n > ShapeMath.MAX_ELEMENTS) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than "
                        + ShapeMath.MAX_ELEMENTS + " elements (2^31 - 2^20); tensors are indexed by int");
            }
        }
        return (int) n;
    }

    public final int[] shape() {
        return shape.clone();
    }

    public final int rank() {
        return shape.length;
    }

    public final int dim(int i) {
        return shape[i];
    }

    /** Number of elements. */
    public final int size() {
        return size;
    }

    public final String shapeString() {
        return Arrays.toString(shape);
    }

    /** Where it lives; ops take only tensors of their own memory. */
    public abstract Memory memory();

    /** A copy of the contents. */
    public abstract float[] toArray();

    /** Overwrites the contents; {@code data.length} must equal {@link #size()}. */
    public abstract void copyFrom(float[] data);

    public abstract boolean isClosed();

    /**
     * The same elements under another shape of the same size (a reshape sharing storage, as PyTorch's {@code view}):
     * writes through either are seen by both. The view is usable only while this tensor is open; closing the view
     * releases nothing.
     */
    public abstract Tensor view(int... shape);

    /**
     * Whether writes through one of the two tensors can change what the other holds: the same tensor, views of one
     * another, or views of a third. A view always spans all of its storage, so sharing storage means element i of
     * one is element i of the other. Ops refuse an output that shares storage with an input unless they document
     * in-place use.
     */
    public final boolean sharesStorageWith(Tensor other) {
        return other != null && storage() == other.storage();
    }

    /** What views share: an object whose identity names this tensor's storage (never exposed). */
    protected abstract Object storage();

    /** {@code shape} holds exactly this tensor's number of elements. */
    protected final int[] checkViewShape(int[] shape) {
        if (elementCount(shape) != size) {
            throw new IllegalArgumentException("cannot view tensor " + shapeString() + " (" + size + " elements) as "
                    + Arrays.toString(shape) + " (" + elementCount(shape) + " elements)");
        }
        return shape;
    }

    protected final void checkHostArray(float[] data) {
        if (data == null) throw new IllegalArgumentException("data is null");
        if (data.length != size) {
            throw new IllegalArgumentException("data has " + data.length + " floats, tensor " + shapeString()
                    + " needs " + size);
        }
    }

    protected final void checkOpen() {
        if (isClosed()) throw new ClEngineException("tensor " + shapeString() + " is closed");
    }

    @Override
    public abstract void close();

    @Override
    public String toString() {
        return getClass().getSimpleName() + shapeString() + (isClosed() ? " (closed)" : "");
    }
}
