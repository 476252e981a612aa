package org.clengine.loss;

/** Softmax + cross-entropy as plain math in double, the oracle for kernels/loss.cl. logits is (N, K). */
public final class LossReference {
    private LossReference() {
    }

    /**
     * result = {mean over rows of logsumexp(row) − row[label], rows whose first largest logit is at the label};
     * dlogits (may be null) = (softmax − one-hot)/N.
     */
    public static void softmaxCrossEntropy(float[] result, float[] dlogits, float[] logits, float[] labels, int n,
            int k) {
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int label = (int) labels[i], base = i * k, best = 0;
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
}
