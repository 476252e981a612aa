package org.clengine.loss;

import static org.clengine.core.HostTensor.data;

import java.util.Arrays;
import org.clengine.core.HostTensor;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Softmax + cross-entropy as plain math in double on the host, the oracle for kernels/loss.cl. logits is (N, K).
 * The static method is the math on arrays, for tests that work by hand. 16-bit logits arrive rounded (a host
 * tensor's array holds its values), so the reference computes from exactly what the kernels load.
 */
public final class LossReference extends LossOps {

    public LossReference() {
        super(Memory.HOST);
    }

    @Override
    protected void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels, int n, int k) {
        softmaxCrossEntropy(data(result), data(dlogits), data(logits), data(labels), n, k);
        HostTensor.round(dlogits); // 16-bit logits: the gradient is stored in their dtype, the loss stays fp32
    }

    /**
     * result = {mean over rows of logsumexp(row) − row[label], rows whose first largest logit is at the label};
     * dlogits (may be null) = (softmax − one-hot)/N. A label that is not a class index in [0, K) makes its row's
     * loss NaN (and so the mean), its dlogits row NaN, and the row not correct: what loss.cl does.
     */
    public static void softmaxCrossEntropy(float[] result, float[] dlogits, float[] logits, float[] labels, int n,
            int k) {
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int base = i * k;
            if (!isClassIndex(labels[i], k)) {
                loss += Double.NaN;
                if (dlogits != null) Arrays.fill(dlogits, base, base + k, Float.NaN);
                continue;
            }
            int label = (int) labels[i], best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                if (logits[base + j] > max) {
                    max = logits[base + j];
                    best = j;
                }
            }
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(logits[base + j] - max);
            loss += Math.log(sum) + max - logits[base + label];
            if (best == label) correct++;
            if (dlogits != null) {
                for (int j = 0; j < k; j++) {
                    double softmax = Math.exp(logits[base + j] - max) / sum;
                    dlogits[base + j] = (float) ((softmax - (j == label ? 1 : 0)) / n);
                }
            }
        }
        result[0] = (float) (loss / n);
        result[1] = correct;
    }

    /** loss.cl's test: 0 ≤ label &lt; K and an integer (NaN fails every comparison). */
    public static boolean isClassIndex(float label, int classes) {
        return label >= 0 && label < classes && label == Math.floor(label);
    }
}
