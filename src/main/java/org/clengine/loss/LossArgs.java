package org.clengine.loss;

import static org.clengine.core.TensorChecks.optionalAnyDType;
import static org.clengine.core.TensorChecks.require;
import static org.clengine.core.TensorChecks.requireAnyDType;
import static org.clengine.core.TensorChecks.sameDType;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks softmax + cross-entropy calls; both backends call these. Nothing runs in place: result and dlogits may
 * not share storage with logits, labels or each other (views included). Logits and dlogits are F32, F16 or BF16,
 * one dtype (PyTorch's autocast: the loss computes in fp32 whatever the logits' storage); result and labels F32.
 */
public final class LossArgs {
    private LossArgs() {
    }

    /**
     * result [2], dlogits [N,K] or null, logits [N,K], labels [N].
     *
     * @return {N, K}
     */
    public static int[] checkSoftmaxCrossEntropy(Memory b, Tensor result, Tensor dlogits, Tensor logits,
            Tensor labels) {
        requireAnyDType(b, "logits", logits);
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("softmax cross-entropy takes logits [N,classes], got "
                    + logits.shapeString());
        }
        int n = logits.dim(0), k = logits.dim(1);
        require(b, "result", result, 2);
        optionalAnyDType(b, "dlogits", dlogits, n, k);
        sameDType("logits", logits, "dlogits", dlogits);
        require(b, "labels", labels, n);
        Aliasing.outputs("result", result, "dlogits", dlogits).inputs("logits", logits, "labels", labels).check();
        return new int[] {n, k};
    }
}
