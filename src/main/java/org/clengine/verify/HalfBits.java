package org.clengine.verify;

/**
 * The bit check of a 16-bit output: the share of its elements whose bits differ from the reference's, held to
 * {@link Tolerance#HALF_MISMATCHES}. {@link Tolerance#half} alone lets a store round the wrong way (one unit in the
 * last place everywhere is within it); both sides round to nearest even from results that agree to fp32's error,
 * so they may differ only where that error straddles a rounding boundary, a small share of the elements.
 */
public final class HalfBits {
    private HalfBits() {
    }

    /** Every element counts. */
    public static Comparison mismatches(String name, float[] expected, float[] got) {
        return mismatches(name, expected, got, null);
    }

    /**
     * Elements where {@code skip} (null: none) is non-zero are left out: results that are the small difference of
     * large terms (a softmax gradient at the label), whose fp32 error may be a whole 16-bit unit.
     */
    public static Comparison mismatches(String name, float[] expected, float[] got, float[] skip) {
        int differ = 0, counted = 0;
        for (int i = 0; i < expected.length; i++) {
            if (skip != null && skip[i] != 0) continue;
            counted++;
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(got[i])) differ++;
        }
        double share = counted == 0 ? 0 : (double) differ / counted;
        boolean ok = share <= Tolerance.HALF_MISMATCHES || counted < 64 && differ <= 3;
        return new Comparison(name + " bits", share, 0, 0, ok ? Comparison.Status.PASS : Comparison.Status.FAIL,
                ok ? "" : differ + " of " + counted + " elements differ from the reference's bits");
    }
}
