package org.clengine.conv2d;

/**
 * Folds an inference-mode batch norm into the convolution before it: with s = gamma/sqrt(var + eps),
 * conv(x, w)·s + (bias − mean)·s + beta = conv(x, w·s) + ((bias − mean)·s + beta). Host arrays, computed in double.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** The folded weights and bias. */
    public record Folded(float[] weights, float[] bias) {
    }

    /**
     * @param weights  K×(C/groups)×R×S
     * @param bias     K, or null (no conv bias)
     * @param gamma    K, or null (affine = false)
     * @param beta     K, or null
     */
    public static Folded fold(float[] weights, float[] bias, float[] gamma, float[] beta, float[] runningMean,
            float[] runningVar, double eps, int k) {
        if (weights == null || runningMean == null || runningVar == null) {
            throw new IllegalArgumentException("weights, running mean and running var are required");
        }
        if (weights.length % k != 0 || runningMean.length != k || runningVar.length != k
                || (gamma != null && gamma.length != k) || (beta != null && beta.length != k)
                || (bias != null && bias.length != k)) {
            throw new IllegalArgumentException("folding a batch norm of " + runningMean.length + " channels into a "
                    + "convolution with " + k + " output channels and " + weights.length + " weights");
        }
        int per = weights.length / k;
        float[] w = new float[weights.length];
        float[] b = new float[k];
        for (int c = 0; c < k; c++) {
            double scale = (gamma == null ? 1 : gamma[c]) / Math.sqrt((double) runningVar[c] + eps);
            for (int i = 0; i < per; i++) w[c * per + i] = (float) (weights[c * per + i] * scale);
            b[c] = (float) (((bias == null ? 0 : bias[c]) - runningMean[c]) * scale + (beta == null ? 0 : beta[c]));
        }
        return new Folded(w, b);
    }
}
