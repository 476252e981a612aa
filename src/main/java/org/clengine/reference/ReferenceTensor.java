package org.clengine.reference;

import org.clengine.backend.Backend;
import org.clengine.tensor.Tensor;

/** A tensor in a Java array, or a view of another's array. */
final class ReferenceTensor extends Tensor {
    private final ReferenceBackend backend;
    private final ReferenceTensor base;
    private float[] data;

    ReferenceTensor(ReferenceBackend backend, float[] data, int[] shape) {
        this(backend, null, data, shape);
    }

    private ReferenceTensor(ReferenceBackend backend, ReferenceTensor base, float[] data, int[] shape) {
        super(shape);
        this.backend = backend;
        this.base = base;
        this.data = data;
    }

    /** The live array, for the backend's ops. */
    float[] data() {
        checkOpen();
        return data;
    }

    @Override
    public Backend backend() {
        return backend;
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
        return new ReferenceTensor(backend, base == null ? this : base, data(), checkViewShape(shape));
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
