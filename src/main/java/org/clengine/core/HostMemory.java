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
        return new HostTensor(data.clone(), shape);
    }

    @Override
    public Tensor full(float value, int... shape) {
        float[] data = new float[Tensor.elementCount(shape)];
        java.util.Arrays.fill(data, value);
        return new HostTensor(data, shape);
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
