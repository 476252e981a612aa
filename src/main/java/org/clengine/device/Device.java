package org.clengine.device;

import static org.jocl.CL.*;

import java.util.HashMap;
import java.util.Map;
import org.clengine.core.ClEngineException;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorChecks;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * One OpenCL device opened for work: a context, one in-order profiling queue, the program cache and the buffers
 * allocated on it. Thread-safe by one lock, this object's monitor: every method holds it, and the backends hold it
 * for a whole op (several launches that share scratch buffers and kernel objects). Ops from several threads are
 * therefore serialized in the order they take the lock; each runs exactly as it would alone.
 */
public final class Device implements Memory, AutoCloseable {
    private final DeviceInfo info;
    private final cl_context context;
    private final cl_command_queue queue;
    private final ProgramCache programs;
    private final Map<String, DeviceBuffer> scratch = new HashMap<>();
    private final Map<cl_kernel, Long> maxLocal = new java.util.IdentityHashMap<>();
    private final LaunchListener listener;
    private final MemoryBudget memory;
    private boolean closed;

    private Device(DeviceInfo info, java.nio.file.Path cacheDirectory, LaunchListener listener, long memoryLimit) {
        this.info = info;
        this.listener = listener;
        this.memory = new MemoryBudget(memoryLimit, MemoryBudget.hostAvailable(info));
        try {
            cl_context_properties properties = new cl_context_properties();
            properties.addProperty(CL_CONTEXT_PLATFORM, info.platform());
            this.context = clCreateContext(properties, 1, new cl_device_id[] {info.id()}, null, null, null);
            @SuppressWarnings("deprecation") // clCreateCommandQueue keeps OpenCL 1.2 platforms working
            cl_command_queue q = clCreateCommandQueue(context, info.id(), CL_QUEUE_PROFILING_ENABLE, null);
            this.queue = q;
        } catch (CLException e) {
            throw ClException.of(e, "creating a context and queue", info.label());
        }
        this.programs = new ProgramCache(this, cacheDirectory);
    }

    /** Opens the device chosen by {@code -Dclengine.device} / {@code CLENGINE_DEVICE} or the default ranking. */
    public static Device open() {
        return open(DeviceManager.choose().device());
    }

    public static Device open(DeviceInfo info) {
        return open(info, ProgramCache.defaultDirectory());
    }

    /** Opens with the on-disk program cache in {@code cacheDirectory}. */
    public static Device open(DeviceInfo info, java.nio.file.Path cacheDirectory) {
        return open(info, cacheDirectory, LaunchListener.NONE);
    }

    /** Opens with the on-disk program cache in {@code cacheDirectory}, telling {@code listener} of every launch. */
    public static Device open(DeviceInfo info, java.nio.file.Path cacheDirectory, LaunchListener listener) {
        return open(info, cacheDirectory, listener, MemoryBudget.defaultLimit(info));
    }

    /**
     * As {@link #open(DeviceInfo, java.nio.file.Path, LaunchListener)}, allocating at most {@code memoryLimit}
     * bytes in all (the default: the device's global memory less a margin; see {@link #memoryLimit()}).
     */
    public static Device open(DeviceInfo info, java.nio.file.Path cacheDirectory, LaunchListener listener,
            long memoryLimit) {
        if (listener == null) throw new IllegalArgumentException("listener is null");
        return new Device(info, cacheDirectory, listener, memoryLimit);
    }

    @Override
    public String name() {
        return "opencl:" + info.name();
    }

    @Override
    public Tensor tensor(DType dtype, float[] data, int... shape) {
        if (dtype == null) throw new IllegalArgumentException("dtype is null");
        TensorChecks.hostData(data, shape);
        Tensor t = allocateTensor(dtype, shape);
        t.copyFrom(data);
        return t;
    }

    @Override
    public Tensor full(DType dtype, float value, int... shape) {
        if (dtype == null) throw new IllegalArgumentException("dtype is null");
        ClTensor t = allocateTensor(dtype, shape);
        if (dtype == DType.F32) {
            fill(t.buffer(), value, t.size());
        } else {
            fill(t.buffer(), dtype.toBits(value), t.size());
        }
        return t;
    }

    /** A tensor's buffer holds exactly its elements at {@link DType#bytes()} each. */
    private ClTensor allocateTensor(DType dtype, int... shape) {
        int n = Tensor.elementCount(shape);
        return new ClTensor(this, dtype, allocate((long) n * dtype.bytes()), shape);
    }

    /** Holds this device's lock for the whole op: one op's launches and scratch buffers are never interleaved. */
    @Override
    public void exclusive(Runnable op) {
        synchronized (this) {
            op.run();
        }
    }

    public DeviceInfo info() {
        return info;
    }

    cl_context context() {
        return context;
    }

    public ProgramCache programs() {
        return programs;
    }

    /** A kernel from {@code kernels/FILE} built with {@code options}; built once, then cached. */
    public synchronized cl_kernel kernel(String file, String name, String options) {
        checkOpen();
        return programs.kernel(file, name, options);
    }

    /** The kernel object of a binding, built with {@code options}. */
    public synchronized cl_kernel kernel(KernelBinding k, String options) {
        return kernel(k.file(), k.name(), options);
    }

    /**
     * Allocates {@code bytes} of device memory. Refused before the driver is asked (it may abort the process
     * instead of failing) past the device's largest single allocation or past {@link #memoryLimit()} in all; the
     * message names the request, what is live and the limit.
     */
    public synchronized DeviceBuffer allocate(long bytes) {
        checkOpen();
        if (bytes <= 0) throw new IllegalArgumentException("buffer size must be positive, got " + bytes + " bytes");
        if (bytes > info.maxAllocBytes()) {
            throw new ClEngineException("cannot allocate " + bytes + " bytes on " + info.name()
                    + ": the device's largest single allocation is " + info.maxAllocBytes() + " bytes");
        }
        memory.reserve(bytes, info.name());
        try {
            cl_mem mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            return new DeviceBuffer(this, mem, bytes);
        } catch (CLException e) {
            memory.release(bytes);
            throw ClException.of(e, "allocating " + bytes + " bytes (" + memory.liveBytes() + " bytes already live)",
                    info.label());
        }
    }

    /**
     * The most bytes this device object allocates in all (tensors and scratch): by default the device's global
     * memory less a sixteenth (at least 256 MiB) that drivers keep for themselves.
     */
    public long memoryLimit() {
        return memory.limit();
    }

    /**
     * A device-owned temporary of at least {@code bytes}, reused across calls under the same key. Safe because the
     * queue is in order: one op's kernels finish before the next op's start.
     */
    public synchronized DeviceBuffer scratch(String key, long bytes) {
        DeviceBuffer b = scratch.get(key);
        if (b != null && b.bytes() >= bytes) return b;
        if (b != null) { // out of the map first: a refused allocation below must not leave a closed buffer there
            scratch.remove(key);
            b.close();
        }
        b = allocate(Math.max(bytes, 256));
        scratch.put(key, b);
        return b;
    }

    synchronized void released(DeviceBuffer buffer) {
        memory.release(buffer.bytes());
    }

    /** Buffers allocated on this device and not yet closed (scratch included). */
    public synchronized int liveBuffers() {
        return memory.liveBuffers();
    }

    public synchronized long liveBytes() {
        return memory.liveBytes();
    }

    public synchronized void write(DeviceBuffer dst, float[] src) {
        checkOpen();
        try {
            clEnqueueWriteBuffer(queue, dst.mem(), CL_TRUE, 0, (long) src.length * Sizeof.cl_float,
                    Pointer.to(src), 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "writing " + src.length + " floats", info.label());
        }
    }

    public synchronized void read(DeviceBuffer src, float[] dst) {
        checkOpen();
        try {
            clEnqueueReadBuffer(queue, src.mem(), CL_TRUE, 0, (long) dst.length * Sizeof.cl_float,
                    Pointer.to(dst), 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "reading " + dst.length + " floats", info.label());
        }
    }

    /** Writes 16-bit patterns (an F16 or BF16 tensor's storage). */
    public synchronized void write(DeviceBuffer dst, short[] src) {
        checkOpen();
        try {
            clEnqueueWriteBuffer(queue, dst.mem(), CL_TRUE, 0, (long) src.length * Sizeof.cl_short,
                    Pointer.to(src), 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "writing " + src.length + " 16-bit values", info.label());
        }
    }

    /** Reads 16-bit patterns (an F16 or BF16 tensor's storage). */
    public synchronized void read(DeviceBuffer src, short[] dst) {
        checkOpen();
        try {
            clEnqueueReadBuffer(queue, src.mem(), CL_TRUE, 0, (long) dst.length * Sizeof.cl_short,
                    Pointer.to(dst), 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "reading " + dst.length + " 16-bit values", info.label());
        }
    }

    /** Copies {@code bytes} from src at {@code srcOffset} to dst at {@code dstOffset} (enqueued, not waited for). */
    public synchronized void copy(DeviceBuffer dst, long dstOffset, DeviceBuffer src, long srcOffset, long bytes) {
        checkOpen();
        try {
            clEnqueueCopyBuffer(queue, src.mem(), dst.mem(), srcOffset, dstOffset, bytes, 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "copying " + bytes + " bytes", info.label());
        }
    }

    /** Fills a buffer with one float value (enqueued, not waited for). */
    public synchronized void fill(DeviceBuffer dst, float value, long floats) {
        checkOpen();
        try {
            clEnqueueFillBuffer(queue, dst.mem(), Pointer.to(new float[] {value}), Sizeof.cl_float, 0,
                    floats * Sizeof.cl_float, 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "filling " + floats + " floats", info.label());
        }
    }

    /** Fills a buffer with one 16-bit pattern (enqueued, not waited for). */
    public synchronized void fill(DeviceBuffer dst, short bits, long values) {
        checkOpen();
        try {
            clEnqueueFillBuffer(queue, dst.mem(), Pointer.to(new short[] {bits}), Sizeof.cl_short, 0,
                    values * Sizeof.cl_short, 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "filling " + values + " 16-bit values", info.label());
        }
    }

    /**
     * Checks the arguments against the binding, sets them and enqueues {@code k} built with {@code options}.
     * {@code local} may be null. Global sizes must be multiples of the local sizes.
     */
    public synchronized void launch(KernelBinding k, String options, long[] global, long[] local, Object... args) {
        checkOpen();
        k.check(args, global);
        cl_kernel kernel = kernel(k, options);
        try {
            k.set(kernel, args);
            clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw ClException.of(e, "launching " + k.name() + " with global " + java.util.Arrays.toString(global)
                    + " local " + java.util.Arrays.toString(local), info.label());
        }
        listener.launched(k, options);
    }

    /**
     * Launches at least {@code items} work-items (the kernel guards the excess): local size {@code local} in
     * dimension 0 (1 in the others), cut to what this kernel allows on this device; dimension 0's global size is
     * rounded up to it.
     */
    public synchronized void launchItems(KernelBinding k, String options, long[] items, long local, Object... args) {
        long l0 = Math.max(1, Math.min(local, maxLocalSize(kernel(k, options))));
        long[] global = items.clone();
        long[] locals = new long[items.length];
        java.util.Arrays.fill(locals, 1);
        locals[0] = l0;
        global[0] = (items[0] + l0 - 1) / l0 * l0;
        launch(k, options, global, locals, args);
    }

    /** The largest local size this kernel may be launched with on this device. */
    public synchronized long maxLocalSize(cl_kernel kernel) {
        return maxLocal.computeIfAbsent(kernel, k -> {
            long[] size = new long[1];
            clGetKernelWorkGroupInfo(k, info.id(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(size), null);
            return size[0];
        });
    }

    /** Waits until everything enqueued has finished. */
    public synchronized void finish() {
        checkOpen();
        try {
            clFinish(queue);
        } catch (CLException e) {
            throw ClException.of(e, "waiting for the queue", info.label());
        }
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) throw new ClEngineException("device " + info.name() + " is closed");
    }

    /** Releases scratch buffers, programs, queue and context, in reverse order of creation. Never throws. */
    @Override
    public synchronized void close() {
        if (closed) return;
        try {
            clFinish(queue);
        } catch (CLException ignored) {
            // closing must not throw; a failed queue is released below all the same
        }
        closed = true;
        scratch.values().forEach(DeviceBuffer::close);
        scratch.clear();
        programs.close();
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
