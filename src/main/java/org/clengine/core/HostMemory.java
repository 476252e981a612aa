package org.clengine.core;

/** The host's Java arrays: ops run in the calling thread, and ops on distinct outputs are independent. */
final class HostMemory implements Memory {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Tensor tensor(DType dtype, float[] data, int... shape) {
        checkDType(dtype);
        TensorChecks.hostData(data, shape);
        HostTensor t = new HostTensor(dtype, allocate(data.length), shape);
        t.copyFrom(data);
        return t;
    }

    @Override
    public Tensor full(DType dtype, float value, int... shape) {
        checkDType(dtype);
        float[] data = allocate(Tensor.elementCount(shape));
        java.util.Arrays.fill(data, dtype.round(value));
        return new HostTensor(dtype, data, shape);
    }

    static void checkDType(DType dtype) {
        if (dtype == null) throw new IllegalArgumentException("dtype is null");
    }

    /**
     * A tensor may hold up to 2^31 − 2^20 floats (8 GiB), more than many heaps: the JVM's OutOfMemoryError for that
     * one array becomes the engine's exception, as the device's refusal is, and the JVM goes on.
     */
    private static float[] allocate(int floats) {
        try {
            return new float[floats];
        } catch (OutOfMemoryError e) {
            throw new ClEngineException("cannot allocate " + floats + " floats (" + (4L * floats >> 20) + " MiB) on the "
                    + "host: the JVM's heap holds at most " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB (-Xmx)");
        }
    }

    @Override
    public void exclusive(Runnable op) {
        op.run();
    }

    @Override
    public void finish() {
    }

    @Override
    public String toString() {
        return name();
    }
}
