package org.clengine.device;

import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * A tensor in one OpenCL buffer of a {@link Device}, or a view of another tensor's buffer: 4 bytes an element for
 * F32, 2 for F16 (IEEE half, as {@code vload_half} reads it) and BF16 (a float's upper 16 bits). Host floats are
 * rounded to the dtype here, on the host, before they are written; reading it waits for the ops enqueued before
 * (the queue is in order).
 */
public final class ClTensor extends Tensor {
    private final Device device;
    private final DeviceBuffer buffer;
    private final boolean view;
    private boolean viewClosed;

    ClTensor(Device device, DType dtype, DeviceBuffer buffer, int[] shape) {
        this(device, dtype, buffer, shape, false);
    }

    private ClTensor(Device device, DType dtype, DeviceBuffer buffer, int[] shape, boolean view) {
        super(dtype, shape);
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
        if (dtype() == DType.F32) {
            device.read(buffer(), out);
            return out;
        }
        short[] bits = new short[size()];
        device.read(buffer(), bits);
        for (int i = 0; i < out.length; i++) out[i] = dtype().fromBits(bits[i]);
        return out;
    }

    @Override
    public void copyFrom(float[] data) {
        checkHostArray(data);
        if (dtype() == DType.F32) {
            device.write(buffer(), data);
            return;
        }
        short[] bits = new short[data.length];
        for (int i = 0; i < bits.length; i++) bits[i] = dtype().toBits(data[i]);
        device.write(buffer(), bits);
    }

    @Override
    public short[] toBits() {
        checkHalf();
        short[] bits = new short[size()];
        device.read(buffer(), bits);
        return bits;
    }

    @Override
    public void copyFromBits(short[] bits) {
        checkBits(bits);
        device.write(buffer(), bits);
    }

    @Override
    public Tensor view(int... shape) {
        return new ClTensor(device, dtype(), buffer(), checkViewShape(shape), true);
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
