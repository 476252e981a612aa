package org.clengine.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * {@link HalfFloats} against an independent exact computation. Going up: every one of the 65,536 patterns of each
 * format, decoded from its fields in BigDecimal. Going down: edge values and random floats of every magnitude,
 * rounded by searching the sorted exact values of every finite 16-bit pattern for the nearest (ties to the even
 * pattern), so the oracle shares no bit tricks with the code under test.
 */
class HalfFloatsTest {
    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    /** The exact value of a finite pattern with {@code fractionBits} fraction and {@code expBits} exponent bits. */
    private static BigDecimal exact(int bits, int expBits, int fractionBits) {
        int bias = (1 << (expBits - 1)) - 1;
        int exp = (bits >>> fractionBits) & ((1 << expBits) - 1);
        long fraction = bits & ((1 << fractionBits) - 1);
        // subnormals: 0.fraction · 2^(1 − bias); normals: 1.fraction · 2^(exp − bias)
        BigDecimal significand = BigDecimal.valueOf(exp == 0 ? fraction : fraction + (1L << fractionBits));
        int power = (exp == 0 ? 1 : exp) - bias - fractionBits;
        BigDecimal v = power >= 0 ? significand.multiply(TWO.pow(power))
                : significand.divide(TWO.pow(-power));
        return (bits >>> (expBits + fractionBits) & 1) == 1 ? v.negate() : v;
    }

    @Test
    void everyF16PatternWidensExactly() {
        for (int bits = 0; bits < 65536; bits++) checkUp(bits, HalfFloats.fromF16((short) bits), 5, 10);
    }

    @Test
    void everyBf16PatternWidensExactly() {
        for (int bits = 0; bits < 65536; bits++) checkUp(bits, HalfFloats.fromBf16((short) bits), 8, 7);
    }

    private static void checkUp(int bits, float got, int expBits, int fractionBits) {
        int exp = (bits >>> fractionBits) & ((1 << expBits) - 1);
        boolean negative = (bits & 0x8000) != 0;
        if (exp == (1 << expBits) - 1) {
            boolean nan = (bits & ((1 << fractionBits) - 1)) != 0;
            if (nan) {
                assertTrue(Float.isNaN(got), () -> Integer.toHexString(bits) + " must widen to NaN, got " + got);
            } else {
                assertEquals(negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, got, Integer.toHexString(bits));
            }
            return;
        }
        assertEquals(0, exact(bits, expBits, fractionBits).compareTo(new BigDecimal(got)),
                () -> Integer.toHexString(bits) + " widened to " + got);
        assertEquals(negative, (Float.floatToRawIntBits(got) & 0x80000000) != 0, "sign of " + Integer.toHexString(bits));
    }

    @Test
    void f16RoundsToNearestEven() {
        checkDown(5, 10, true);
    }

    @Test
    void bf16RoundsToNearestEven() {
        checkDown(8, 7, false);
    }

    /** Edge values and 200,000 random floats (random bits: every exponent) against the sorted-table oracle. */
    private static void checkDown(int expBits, int fractionBits, boolean f16) {
        int finiteCount = ((1 << expBits) - 1) << fractionBits; // positive finite patterns, 0 included
        BigDecimal[] table = new BigDecimal[finiteCount];
        for (int i = 0; i < finiteCount; i++) table[i] = exact(i, expBits, fractionBits);
        long seed = TestBackends.seed();
        SplittableRandom random = new SplittableRandom(seed);
        List<Float> inputs = new ArrayList<>(edges());
        for (int i = 0; i < 200_000; i++) inputs.add(Float.intBitsToFloat(random.nextInt()));
        for (float f : inputs) {
            short got = f16 ? HalfFloats.toF16(f) : HalfFloats.toBf16(f);
            int want = oracle(f, table, expBits, fractionBits);
            if ((got & 0xffff) != want) {
                fail("seed " + seed + ": " + f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ") rounded to 0x"
                        + Integer.toHexString(got & 0xffff) + ", expected 0x" + Integer.toHexString(want));
            }
        }
    }

    private static List<Float> edges() {
        float[] e = {0f, -0f, 1f, -1f, 65504f, 65519.996f, 65520f, -65520f, 65536f, 1e9f, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-14f, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f,
            0x1.8p-24f, 0x1.8p-23f, 0x1p-26f, 0x1.ffcp-15f, 0x1.ffep-15f, 0x1.ffdp-15f, 1.00048828125f,
            1.00146484375f, 1.0009765625f, 1.00390625f, 1.01171875f, 3.3895314e38f, 3.4028235e38f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        List<Float> out = new ArrayList<>();
        for (float f : e) {
            out.add(f);
            out.add(Math.nextUp(f));
            out.add(Math.nextDown(f));
        }
        return out;
    }

    /** The pattern round-to-nearest-even gives, found by search in the exact table; NaN's only by class. */
    private static int oracle(float f, BigDecimal[] table, int expBits, int fractionBits) {
        int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
        int inf = ((1 << expBits) - 1) << fractionBits;
        if (Float.isNaN(f)) return nanOf(f, fractionBits, sign, inf);
        if (Float.isInfinite(f)) return sign | inf;
        BigDecimal x = new BigDecimal(f).abs();
        int i = Arrays.binarySearch(table, x, BigDecimal::compareTo);
        if (i >= 0) return sign | i;
        int above = -i - 1; // first entry greater than x; x is between table[above - 1] and table[above]
        BigDecimal lower = table[above - 1];
        // past the largest finite: the next value would be 2^(emax+1); halfway to it and up rounds to infinity
        BigDecimal upper = above < table.length ? table[above] : lower.add(lower.subtract(table[above - 2]));
        int c = x.subtract(lower).compareTo(upper.subtract(x));
        int pick = c < 0 ? above - 1 : c > 0 ? above : ((above - 1) % 2 == 0 ? above - 1 : above);
        return sign | pick;
    }

    /** NaN: quiet (top fraction bit set), same sign, the float's top payload bits kept. */
    private static int nanOf(float f, int fractionBits, int sign, int inf) {
        int bits = Float.floatToRawIntBits(f);
        int payload = (bits >>> (23 - fractionBits)) & ((1 << fractionBits) - 1);
        return sign | inf | payload | (1 << (fractionBits - 1));
    }
}
