package org.clengine.device;

import static org.jocl.CL.clReleaseMemObject;

import org.clengine.core.ClEngineException;
import org.jocl.cl_mem;

/** One OpenCL buffer on one device. Closing releases it; closing twice is harmless. */
public final class DeviceBuffer implements AutoCloseable {
    private final Device device;
    private final long bytes;
    private cl_mem mem;

    DeviceBuffer(Device device, cl_mem mem, long bytes) {
        this.device = device;
        this.mem = mem;
        this.bytes = bytes;
    }

    public Device device() {
        return device;
    }

    public long bytes() {
        return bytes;
    }

    public boolean isClosed() {
        return mem == null;
    }

    /** The native handle; throws if the buffer was closed. */
    public cl_mem mem() {
        if (mem == null) throw new ClEngineException("buffer of " + bytes + " bytes on " + device.info().name()
                + " is closed");
        return mem;
    }

    @Override
    public void close() {
        if (mem == null) return;
        cl_mem m = mem;
        mem = null;
        device.released(this);
        clReleaseMemObject(m);
    }
}
