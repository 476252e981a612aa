package org.clengine.loss;

import static org.clengine.core.TensorChecks.optional;
import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks softmax + cross-entropy calls; both backends call these. Nothing runs in place: result and dlogits may
 * not share storage with logits, labels or each other (views included).
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
        require(b, "logits", logits);
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("softmax cross-entropy takes logits [N,classes], got "
                    + logits.shapeString());
        }
        int n = logits.dim(0), k = logits.dim(1);
        require(b, "result", result, 2);
        optional(b, "dlogits", dlogits, n, k);
        require(b, "labels", labels, n);
        Aliasing.outputs("result", result, "dlogits", dlogits).inputs("logits", logits, "labels", labels).check();
        return new int[] {n, k};
    }
}
