package org.clengine.loss;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Softmax + cross-entropy, mean over the batch, as PyTorch's {@code F.cross_entropy(logits, labels)}; implemented by
 * {@link LossReference} and by the OpenCL path. A label outside [0, K) makes the loss NaN on both (the labels live
 * in the op's memory: checking them would mean reading them back). Checked here, identically for both.
 */
public abstract class LossOps {
    private final Memory memory;

    protected LossOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public final Memory memory() {
        return memory;
    }

    /**
     * Evaluation: result [2] = {mean loss, number of rows whose first largest logit is at the label}.
     *
     * @param logits [N,K]
     * @param labels [N] class indices stored as floats
     */
    public final void softmaxCrossEntropy(Tensor result, Tensor logits, Tensor labels) {
        run(result, null, logits, labels);
    }

    /** As {@link #softmaxCrossEntropy(Tensor, Tensor, Tensor)}, and dlogits [N,K] = (softmax − one-hot)/N. */
    public final void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels) {
        if (dlogits == null) throw new IllegalArgumentException("dlogits is null");
        run(result, dlogits, logits, labels);
    }

    private void run(Tensor result, Tensor dlogits, Tensor logits, Tensor labels) {
        memory.exclusive(() -> {
            int[] nk = LossArgs.checkSoftmaxCrossEntropy(memory, result, dlogits, logits, labels);
            softmaxCrossEntropy(result, dlogits, logits, labels, nk[0], nk[1]);
        });
    }

    /** dlogits null: evaluation. */
    protected abstract void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels, int n,
            int k);
}
