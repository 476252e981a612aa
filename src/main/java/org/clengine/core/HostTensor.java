package org.clengine.core;

/** A tensor in a Java array ({@link Memory#HOST}), or a view of another's array. */
public final class HostTensor extends Tensor {
    private final HostTensor base;
    private float[] data;

    HostTensor(float[] data, int[] shape) {
        this(null, data, shape);
    }

    private HostTensor(HostTensor base, float[] data, int[] shape) {
        super(shape);
        this.base = base;
        this.data = data;
    }

    /** The live array, for the reference ops; throws if closed. */
    public float[] data() {
        checkOpen();
        return data;
    }

    /** The live array of a host tensor, or null for null: the reference ops' view of their arguments. */
    public static float[] data(Tensor t) {
        return t == null ? null : ((HostTensor) t).data();
    }

    @Override
    public Memory memory() {
        return Memory.HOST;
    }

    @Override
    public float[] toArray() {
        return data().clone();
    }

    @Override
    public void copyFrom(float[] src) {
        checkHostArray(src);
        System.arraycopy(src, 0, data(), 0, src.length);
    }

    @Override
    public Tensor view(int... shape) {
        return new HostTensor(base == null ? this : base, data(), checkViewShape(shape));
    }

    /** The base tensor: its views share its array (the array itself is dropped on close, the base is not). */
    @Override
    protected Object storage() {
        return base == null ? this : base;
    }

    @Override
    public boolean isClosed() {
        return data == null || (base != null && base.isClosed());
    }

    @Override
    public void close() {
        data = null;
    }
}
