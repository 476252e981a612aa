package org.clengine.device;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * A tensor in one OpenCL buffer of a {@link Device}, or a view of another tensor's buffer. Reading it waits for the
 * ops enqueued before (the queue is in order).
 */
public final class ClTensor extends Tensor {
    private final Device device;
    private final DeviceBuffer buffer;
    private final boolean view;
    private boolean viewClosed;

    ClTensor(Device device, DeviceBuffer buffer, int[] shape) {
        this(device, buffer, shape, false);
    }

    private ClTensor(Device device, DeviceBuffer buffer, int[] shape, boolean view) {
        super(shape);
        this.device = device;
        this.buffer = buffer;
        this.view = view;
    }

    /** The buffer, for the device ops; throws if closed. */
    public DeviceBuffer buffer() {
        checkOpen();
        return buffer;
    }

    /** The buffer of a device tensor, or null for null: the device ops' view of their arguments. */
    public static DeviceBuffer buffer(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }

    @Override
    public Memory memory() {
        return device;
    }

    @Override
    public float[] toArray() {
        float[] out = new float[size()];
        device.read(buffer(), out);
        return out;
    }

    @Override
    public void copyFrom(float[] data) {
        checkHostArray(data);
        device.write(buffer(), data);
    }

    @Override
    public Tensor view(int... shape) {
        return new ClTensor(device, buffer(), checkViewShape(shape), true);
    }

    /** Views share the buffer. */
    @Override
    protected Object storage() {
        return buffer;
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
