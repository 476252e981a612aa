package org.clengine.opencl;

import org.clengine.backend.Backend;
import org.clengine.device.DeviceBuffer;
import org.clengine.tensor.Tensor;

/** A tensor in one OpenCL buffer. Reading it waits for the ops enqueued before (the queue is in order). */
final class ClTensor extends Tensor {
    private final OpenClBackend backend;
    private final DeviceBuffer buffer;

    ClTensor(OpenClBackend backend, DeviceBuffer buffer, int[] shape) {
        super(shape);
        this.backend = backend;
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        checkOpen();
        return buffer;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public float[] toArray() {
        float[] out = new float[size()];
        backend.device().read(buffer(), out);
        return out;
    }

    @Override
    public void copyFrom(float[] data) {
        checkHostArray(data);
        backend.device().write(buffer(), data);
    }

    @Override
    public boolean isClosed() {
        return buffer.isClosed() || buffer.device().isClosed();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
