package org.clengine.batchnorm;

import org.clengine.core.Memory;

/**
 * Batch normalization's contract, implemented by {@link BatchNormReference} (plain loops, double) and by the OpenCL
 * path. Every call is checked here, identically for both, before anything runs; then the implementation runs it
 * while holding its memory ({@link Memory#exclusive}).
 */
public abstract class BatchNormOps {
    private final Memory memory;

    protected BatchNormOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    /** Where this implementation's tensors live. */
    public final Memory memory() {
        return memory;
    }

    /** Training mode: batch statistics, saved for backward and folded into the running ones when given. */
    public final void forwardTraining(BatchNormTraining call) {
        memory.exclusive(() -> forwardTraining(call, BatchNormArgs.checkTraining(memory, call)));
    }

    /** Inference mode: the running statistics; nothing is updated. */
    public final void forwardInference(BatchNormInference call) {
        memory.exclusive(() -> forwardInference(call, BatchNormArgs.checkInference(memory, call)));
    }

    /** Backward from the saved statistics. */
    public final void backward(BatchNormBackward call) {
        memory.exclusive(() -> backward(call, BatchNormArgs.checkBackward(memory, call)));
    }

    protected abstract void forwardTraining(BatchNormTraining call, BatchNormShape shape);

    protected abstract void forwardInference(BatchNormInference call, BatchNormShape shape);

    protected abstract void backward(BatchNormBackward call, BatchNormShape shape);
}
