package org.clengine.reference;

import org.clengine.backend.Backend;
import org.clengine.tensor.Tensor;

/** A tensor in a Java array. */
final class ReferenceTensor extends Tensor {
    private final ReferenceBackend backend;
    private float[] data;

    ReferenceTensor(ReferenceBackend backend, float[] data, int[] shape) {
        super(shape);
        this.backend = backend;
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
    public boolean isClosed() {
        return data == null;
    }

    @Override
    public void close() {
        data = null;
    }
}
