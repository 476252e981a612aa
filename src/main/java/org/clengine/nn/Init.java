package org.clengine.nn;

import java.util.SplittableRandom;

/**
 * Seeded parameter initialisation with PyTorch's defaults: conv and linear weights are Kaiming-uniform with
 * a = √5, which is U(−b, b) with b = 1/√fan_in; their biases U(−b, b) with the same b; batch norm gamma 1 and
 * beta 0. Modules draw from one stream in construction order, so a seed fixes every value of a model.
 */
public final class Init {
    private final SplittableRandom random;

    public Init(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** {@code n} values from U(−1/√fanIn, 1/√fanIn). */
    public float[] kaimingUniform(int n, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        return out;
    }
}
