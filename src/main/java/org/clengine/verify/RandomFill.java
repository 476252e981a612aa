package org.clengine.verify;

import java.util.SplittableRandom;

/** Seeded random inputs. Never zeros: every test and verify row starts from data like these. */
public final class RandomFill {
    private final SplittableRandom random;

    public RandomFill(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Standard normal values. */
    public float[] normal(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) gaussian();
        return out;
    }

    /** Uniform values in [lo, hi). */
    public float[] uniform(int n, double lo, double hi) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return out;
    }

    /** NCHW data whose channels each have their own mean (in ±meanSpread) and std (in [0.5, 2]·std). */
    public float[] perChannel(int n, int c, int hw, double meanSpread, double std) {
        float[] out = new float[n * c * hw];
        for (int ch = 0; ch < c; ch++) {
            double mean = meanSpread * (2 * random.nextDouble() - 1);
            double sd = std * (0.5 + 1.5 * random.nextDouble());
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                for (int i = 0; i < hw; i++) out[base + i] = (float) (mean + sd * gaussian());
            }
        }
        return out;
    }

    /** Small integers in [-range, range]: sums of these are exact in fp32. */
    public float[] integers(int n, int range) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = random.nextInt(2 * range + 1) - range;
        return out;
    }

    public double gaussian() {
        // Box–Muller; SplittableRandom has no nextGaussian on Java 17
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    public long nextLong() {
        return random.nextLong();
    }
}
