package org.clengine.opencl;

import org.clengine.backend.Backend;
import org.clengine.device.DeviceBuffer;
import org.clengine.tensor.Tensor;

/**
 * A tensor in one OpenCL buffer, or a view of another tensor's buffer. Reading it waits for the ops enqueued before
 * (the queue is in order).
 */
final class ClTensor extends Tensor {
    private final OpenClBackend backend;
    private final DeviceBuffer buffer;
    private final boolean view;
    private boolean viewClosed;

    ClTensor(OpenClBackend backend, DeviceBuffer buffer, int[] shape) {
        this(backend, buffer, shape, false);
    }

    private ClTensor(OpenClBackend backend, DeviceBuffer buffer, int[] shape, boolean view) {
        super(shape);
        this.backend = backend;
        this.buffer = buffer;
        this.view = view;
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
    public Tensor view(int... shape) {
        return new ClTensor(backend, buffer(), checkViewShape(shape), true);
    }

    @Override
    public boolean isClosed() {
        return viewClosed || buffer.isClosed() || buffer.device().isClosed();
    }

    @Override
    public void close() {
        if (view) {
            viewClosed = true;
        } else {
            buffer.close();
        }
    }
}
