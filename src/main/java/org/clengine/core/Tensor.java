package org.clengine.core;

import java.util.Arrays;
import org.clengine.core.ClEngineException;

/**
 * A tensor in one {@link Memory} (the host's, or one device's): NCHW for 4-D, N×C for 2-D. Its {@link #dtype()} is
 * its storage (F32 unless made otherwise); host data goes in and out as {@code float[]} whatever the dtype (rounded
 * to nearest even going in, widened exactly coming out), and 16-bit tensors also as their raw bits.
 * Closing releases its memory; using it afterwards is an error naming the tensor.
 */
public abstract class Tensor implements AutoCloseable {
    private final int[] shape;
    private final int size;
    private final DType dtype;

    protected Tensor(int[] shape) {
        this(DType.F32, shape);
    }

    protected Tensor(DType dtype, int[] shape) {
        if (dtype == null) throw new IllegalArgumentException("dtype is null");
        this.size = elementCount(shape);
        this.shape = shape.clone();
        this.dtype = dtype;
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

    /** The storage type; views keep it. */
    public final DType dtype() {
        return dtype;
    }

    /** Where it lives; ops take only tensors of their own memory. */
    public abstract Memory memory();

    /** A copy of the contents, widened to float (exactly) for a 16-bit tensor. */
    public abstract float[] toArray();

    /**
     * Overwrites the contents; {@code data.length} must equal {@link #size()}. A 16-bit tensor stores each value
     * rounded to nearest even ({@link DType#round}); past F16's range that is infinity.
     */
    public abstract void copyFrom(float[] data);

    /** The raw 16-bit patterns of an F16 or BF16 tensor (for writers of files); refused on F32. */
    public abstract short[] toBits();

    /** Overwrites an F16 or BF16 tensor with raw 16-bit patterns (for loaders), stored as they are; refused on F32. */
    public abstract void copyFromBits(short[] bits);

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

    /** The raw 16-bit form is refused on an F32 tensor. */
    protected final void checkHalf() {
        if (dtype == DType.F32) {
            throw new IllegalArgumentException("tensor " + shapeString() + " is F32: the raw 16-bit form is for F16 "
                    + "and BF16 tensors; use copyFrom(float[]) / toArray()");
        }
    }

    /** A 16-bit tensor and bits of its length: the raw form's checks. */
    protected final void checkBits(short[] bits) {
        checkHalf();
        if (bits == null) throw new IllegalArgumentException("bits is null");
        if (bits.length != size) {
            throw new IllegalArgumentException("bits has " + bits.length + " values, tensor " + shapeString()
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
        return getClass().getSimpleName() + shapeString() + (dtype == DType.F32 ? "" : " " + dtype)
                + (isClosed() ? " (closed)" : "");
    }
}
