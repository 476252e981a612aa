package org.clengine.core;

/**
 * Where tensors live and ops run: the host (the reference backend's Java arrays, {@link #HOST}) or one OpenCL device.
 * Every op checks that its tensors live in its own memory, and runs {@link #exclusive} so that the ops of several
 * threads on one device are serialized, each as if it ran alone.
 */
public interface Memory {
    /** The host's Java arrays: every reference backend shares it. */
    Memory HOST = new HostMemory();

    /** "reference" or "opencl:DEVICE": how messages name it. */
    String name();

    /** A new F32 tensor holding a copy of {@code data}. */
    default Tensor tensor(float[] data, int... shape) {
        return tensor(DType.F32, data, shape);
    }

    /** A new F32 tensor filled with {@code value}. */
    default Tensor full(float value, int... shape) {
        return full(DType.F32, value, shape);
    }

    /** A new tensor of {@code dtype} holding {@code data}, each value rounded to it (nearest even). */
    Tensor tensor(DType dtype, float[] data, int... shape);

    /** A new tensor of {@code dtype} filled with {@code value} rounded to it. */
    Tensor full(DType dtype, float value, int... shape);

    /** Runs one op's checks and launches as one step: nothing of another thread's ops comes between. */
    void exclusive(Runnable op);

    /** Waits until every op enqueued so far has finished (nothing to wait for on the host). */
    void finish();
}
