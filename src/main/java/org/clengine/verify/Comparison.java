package org.clengine.verify;

import java.util.Locale;

/**
 * The comparison of one output against the reference. A comparison never passes without checking something: a
 * reference that is all zeros, or non-finite where finite values were expected, is MISTRUSTED (oneDNN's word).
 */
public record Comparison(String output, double maxAbs, double relL2, double relMax, Status status, String detail,
        String digest) {

    public enum Status { PASS, FAIL, MISTRUSTED }

    /** Without a digest of the output (comparisons of counts, not of float arrays). */
    public Comparison(String output, double maxAbs, double relL2, double relMax, Status status, String detail) {
        this(output, maxAbs, relL2, relMax, status, detail, "");
    }

    /**
     * The first 8 bytes of SHA-256 over the outputs' float bits, in hex: two builds, devices or runs gave the same
     * bits exactly when their digests match ({@code verify --digests}).
     */
    public static String digest(float[] values) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(values.length * Float.BYTES)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : values) bytes.putInt(Float.floatToRawIntBits(v));
            return java.util.HexFormat.of().formatHex(sha.digest(bytes.array()), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public boolean passed() {
        return status == Status.PASS;
    }

    /** Compares element by element; NaN in {@code got} where {@code ref} is finite fails. */
    public static Comparison of(String output, float[] ref, float[] got, Tolerance tol) {
        return of(output, ref, got, tol, null);
    }

    /**
     * As {@link #of(String, float[], float[], Tolerance)}, with errors measured against the larger of the reference
     * and {@code scale}: the magnitudes of the terms that cancel to give the reference. A result that is the small
     * difference of large terms can be no more exact than those terms (e.g. batch norm's dx when M is 2).
     */
    public static Comparison of(String output, float[] ref, float[] got, Tolerance tol, float[] scale) {
        Comparison c = compare(output, ref, got, tol, scale);
        return new Comparison(c.output, c.maxAbs, c.relL2, c.relMax, c.status, c.detail, digest(got));
    }

    private static Comparison compare(String output, float[] ref, float[] got, Tolerance tol, float[] scale) {
        if (ref.length != got.length) {
            return new Comparison(output, Double.NaN, Double.NaN, Double.NaN, Status.FAIL,
                    "length " + got.length + " vs reference " + ref.length);
        }
        double diff2 = 0, ref2 = 0, maxAbs = 0, maxRef = 0;
        int worst = -1;
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(ref[i])) {
                return new Comparison(output, Double.NaN, Double.NaN, Double.NaN, Status.MISTRUSTED,
                        "reference is non-finite at " + i + " (" + ref[i] + ")");
            }
            double d = Math.abs((double) got[i] - ref[i]);
            if (Double.isNaN(d)) d = Double.POSITIVE_INFINITY;
            diff2 += d * d;
            double magnitude = Math.abs(ref[i]);
            if (scale != null) magnitude = Math.max(magnitude, Math.abs(scale[i]));
            ref2 += magnitude * magnitude;
            maxRef = Math.max(maxRef, magnitude);
            if (d > maxAbs || worst < 0) {
                maxAbs = d;
                worst = i;
            }
        }
        if (ref2 == 0 && scale != null) {
            // no term contributes anywhere (e.g. outputs that see only padding): zero by structure, checked exactly
            return new Comparison(output, maxAbs, 0, 0, maxAbs == 0 ? Status.PASS : Status.FAIL,
                    maxAbs == 0 ? "" : "expected exact zeros (no terms), got " + got[worst] + " at " + worst);
        }
        if (ref2 == 0) {
            return new Comparison(output, maxAbs, Double.NaN, Double.NaN, Status.MISTRUSTED, "reference is all zeros");
        }
        double relL2 = Math.sqrt(diff2 / ref2);
        double relMax = maxAbs / maxRef;
        boolean ok = relL2 <= tol.relL2() && relMax <= tol.relMax();
        String detail = ok ? "" : String.format(Locale.ROOT, "worst at %d: got %s, reference %s (tolerance %s)",
                worst, got[worst], ref[worst], tol);
        return new Comparison(output, maxAbs, relL2, relMax, ok ? Status.PASS : Status.FAIL, detail);
    }

    /**
     * |a| element by element (null stays null): the magnitudes of an op's terms, fed through the reference to give
     * a {@code scale}.
     */
    public static float[] abs(float[] a) {
        if (a == null) return null;
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = Math.abs(a[i]);
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%-10s max abs %.3e  rel L2 %.3e  %s%s", output, maxAbs, relL2, status,
                detail.isEmpty() ? "" : "  " + detail);
    }
}
