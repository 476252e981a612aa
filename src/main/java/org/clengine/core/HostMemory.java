package org.clengine.core;

/** The host's Java arrays: ops run in the calling thread, and ops on distinct outputs are independent. */
final class HostMemory implements Memory {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Tensor tensor(float[] data, int... shape) {
        TensorChecks.hostData(data, shape);
        float[] copy = allocate(data.length);
        System.arraycopy(data, 0, copy, 0, data.length);
        return new HostTensor(copy, shape);
    }

    @Override
    public Tensor full(float value, int... shape) {
        float[] data = allocate(Tensor.elementCount(shape));
        java.util.Arrays.fill(data, value);
        return new HostTensor(data, shape);
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
