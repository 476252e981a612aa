package org.clengine.fuzz;

import java.util.SplittableRandom;

/**
 * The values a hostile caller tries: 0, 1, negatives, the int limits, the engine's own limits (2^30, 2^31 − 2^20)
 * and their neighbours, and values whose products wrap an int (2^16, 46341 = ⌈√2^31⌉, 65537).
 */
final class Extremes {
    static final int[] INTS = {0, 1, -1, 2, -2, 3, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE - 1,
        1 << 30, (1 << 30) - 1, (1 << 30) + 1, 1 << 29, 1 << 16, (1 << 16) + 1, 46341, 1 << 15, 1 << 20,
        Integer.MAX_VALUE - (1 << 20) + 1, Integer.MAX_VALUE - (1 << 20) + 2, Integer.MAX_VALUE / 2 + 1, 1 << 27};

    private Extremes() {
    }

    /** An extreme value with probability {@code p}, else one in [lo, hi]. */
    static int pick(SplittableRandom r, double p, int lo, int hi) {
        return r.nextDouble() < p ? INTS[r.nextInt(INTS.length)] : lo + r.nextInt(hi - lo + 1);
    }

    /** Small integers in [−2, 2] as floats: products and short sums are exact in fp32, so results compare tightly. */
    static float[] integers(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(5) - 2;
        return a;
    }

    /** Uniform values in (−2, 2), for ops whose results are not exact anyway. */
    static float[] uniform(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 4 - 2);
        return a;
    }

    /** The product of dims as a long, or −1 when any is not positive. */
    static long elements(int... dims) {
        long n = 1;
        for (int d : dims) {
            if (d <= 0) return -1;
            n *= d;
            if (n > Long.MAX_VALUE / Integer.MAX_VALUE) return Long.MAX_VALUE;
        }
        return n;
    }
}
