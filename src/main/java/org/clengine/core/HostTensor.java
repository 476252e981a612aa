package org.clengine.core;

/**
 * A tensor in a Java array ({@link Memory#HOST}), or a view of another's array. A 16-bit tensor keeps its values as
 * floats that are exactly its dtype's values (rounded on every write through {@link #copyFrom} and
 * {@link #round}): the reference ops read them as they read F32, and round what they write ({@link #round}).
 */
public final class HostTensor extends Tensor {
    private final HostTensor base;
    private float[] data;

    HostTensor(float[] data, int[] shape) {
        this(DType.F32, data, shape);
    }

    HostTensor(DType dtype, float[] data, int[] shape) {
        this(null, dtype, data, shape);
    }

    private HostTensor(HostTensor base, DType dtype, float[] data, int[] shape) {
        super(dtype, shape);
        this.base = base;
        this.data = data;
    }

    /**
     * Rounds every element to this tensor's dtype in place (nothing for F32): what a reference op calls after
     * writing a 16-bit output through {@link #data()}, so that it holds what a device's store would.
     */
    public void round() {
        float[] d = data();
        if (dtype() == DType.F32) return;
        for (int i = 0; i < d.length; i++) d[i] = dtype().round(d[i]);
    }

    /** {@link #round()} of a host tensor; nothing for null. */
    public static void round(Tensor t) {
        if (t != null) ((HostTensor) t).round();
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
        round();
    }

    @Override
    public short[] toBits() {
        checkHalf();
        float[] d = data();
        short[] bits = new short[d.length];
        for (int i = 0; i < d.length; i++) bits[i] = dtype().toBits(d[i]);
        return bits;
    }

    @Override
    public void copyFromBits(short[] bits) {
        checkBits(bits);
        float[] d = data();
        for (int i = 0; i < d.length; i++) d[i] = dtype().fromBits(bits[i]);
    }

    @Override
    public Tensor view(int... shape) {
        return new HostTensor(base == null ? this : base, dtype(), data(), checkViewShape(shape));
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
