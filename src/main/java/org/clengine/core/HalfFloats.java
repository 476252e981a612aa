package org.clengine.core;

/**
 * Conversions between float and the two 16-bit formats, as the kernels do them: narrowing rounds to nearest, ties
 * to even; ±infinity stays infinity; NaN stays NaN (made quiet, sign and top payload bits kept); an F16 value past
 * the largest finite (65504, or from 65520 on after rounding) becomes infinity, never a clamp; F16 subnormals
 * (multiples of 2^-24) are produced and read exactly. Widening is exact. Java 17 has no {@code Float.float16ToFloat},
 * so the bit manipulation is here, checked against an exact BigDecimal computation over every 16-bit pattern.
 */
public final class HalfFloats {
    private static final int F32_EXP = 0x7f800000;
    private static final int F16_INF = 0x7c00;

    private HalfFloats() {
    }

    /** {@code f} rounded to the nearest binary16, ties to even. */
    public static short toF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= F32_EXP) { // infinity, or NaN made quiet (0x200) with its top payload bits
            return (short) (sign | (abs == F32_EXP ? F16_INF : F16_INF | 0x200 | (abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x47800000) return (short) (sign | F16_INF); // 65536 and up: past 65520, the rounding edge
        if (abs < 0x38800000) return (short) (sign | subnormal(abs)); // below 2^-14, F16's smallest normal
        // rebias the exponent (127 -> 15) and keep the top 10 fraction bits, then round on the 13 dropped bits;
        // a carry out of the fraction increments the exponent, up to infinity (0x7c00) from 65520 on
        int h = (abs >>> 13) - ((127 - 15) << 10);
        return (short) (sign | roundDropped(h, abs & 0x1fff, 13));
    }

    /** A magnitude below 2^-14 in units of 2^-24 (F16's subnormal step), rounded to nearest even. */
    private static int subnormal(int abs) {
        if (abs < 0x33000000) return 0; // below 2^-25, half the smallest subnormal: rounds to zero
        int exp = abs >>> 23; // 102..112 here: normal floats
        int mantissa = (abs & 0x7fffff) | 0x800000; // value = mantissa · 2^(exp − 150)
        int shift = 126 - exp; // units of 2^-24: mantissa · 2^(exp − 126)
        return roundDropped(mantissa >>> shift, mantissa & ((1 << shift) - 1), shift);
    }

    /** {@code kept} plus one if the {@code n} dropped bits are more than half a unit, or exactly half and kept odd. */
    private static int roundDropped(int kept, int dropped, int n) {
        int half = 1 << (n - 1);
        return dropped > half || (dropped == half && (kept & 1) == 1) ? kept + 1 : kept;
    }

    /** The exact value of a binary16 pattern (NaN widened quiet). */
    public static float fromF16(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int fraction = bits & 0x3ff;
        if (exp == 0) { // zero or subnormal: fraction · 2^-24, exact in float
            float v = fraction * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        if (exp == 0x1f) return Float.intBitsToFloat(sign | F32_EXP | (fraction == 0 ? 0 : 0x400000 | fraction << 13));
        return Float.intBitsToFloat(sign | (exp + 127 - 15) << 23 | fraction << 13);
    }

    /** {@code f} rounded to the nearest bfloat16 (its upper 16 bits), ties to even; NaN made quiet. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > F32_EXP) return (short) ((bits >>> 16) | 0x40);
        // adding 0x7fff plus the kept lowest bit carries into the kept half exactly when rounding up; a carry out of
        // the largest finite magnitude lands on infinity, which is round-to-nearest's answer there
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The exact value of a bfloat16 pattern: its bits are the float's upper half. */
    public static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}
