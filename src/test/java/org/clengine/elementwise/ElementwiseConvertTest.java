package org.clengine.elementwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The explicit dtype conversion (issue 15): every pair of F32, F16 and BF16, on OpenCL against the reference bit
 * for bit, on random values spread over many binades and the values a rounding must get right; then by hand, on
 * both backends, the cases that name the rules (ties to even, overflow to Inf, NaN and Inf kept, underflow to 0).
 */
class ElementwiseConvertTest {
    private static final int[] SIZES = {1, 7, 1031, 100_003};
    private static final float[] EDGES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 65504f,
        65519f, 65520f, -70000f, 3.4028235e38f, 3.3961776e38f, 1e-8f, 6e-8f, 1.1754942e-38f, 1.4e-45f};

    @TestFactory
    List<DynamicTest> everyPairMatchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                for (int n : SIZES) {
                    tests.add(dynamicTest(from + " to " + to + " n=" + n + " seed=" + seed, () -> {
                        float[] x = values(n, seed);
                        assertArrayEquals(convert(TestBackends.REFERENCE, from, to, x),
                                convert(TestBackends.openCl(), from, to, x), from + " to " + to + " n=" + n
                                        + " (seed " + seed + ")");
                    }));
                }
            }
        }
        return tests;
    }

    /** Normal values times 2^e for e in [-30, 30], and the edges from element 1 on. */
    private static float[] values(int n, long seed) {
        RandomFill r = new RandomFill(seed);
        float[] x = r.normal(n), e = r.uniform(n, -30, 30);
        for (int i = 0; i < n; i++) x[i] = (float) Math.scalb(x[i], (int) e[i]);
        if (n > EDGES.length) System.arraycopy(EDGES, 0, x, 1, EDGES.length);
        return x;
    }

    /** x is made a {@code from} tensor (rounded on the way in), converted to a NaN-poisoned {@code to} tensor. */
    private static float[] convert(Backend b, DType from, DType to, float[] x) {
        try (TensorScope scope = new TensorScope(b.memory())) {
            Tensor src = scope.tensor(from, x, x.length), dst = scope.full(to, Float.NaN, x.length);
            b.elementwise().convert(dst, src);
            return dst.toArray();
        }
    }

    @Test
    void theRulesByHand() {
        float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            // F16: 65519 rounds down to the largest finite 65504, 65520 (the tie) up to Inf; 1 + 2^-11 is a tie
            // between 1 and 1 + 2^-10 and goes to even 1, 1 + 3·2^-11 to even 1 + 2^-9; 2^-26 underflows to 0
            check(b, DType.F32, DType.F16, new float[] {65519f, 65520f, -1e6f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f,
                0x1p-26f, nan, -inf}, new float[] {65504f, inf, -inf, 1f, 1 + 0x1p-9f, 0f, nan, -inf});
            // BF16: 1 + 2^-8 ties to 1, 1 + 3·2^-8 to 1 + 2^-6; the largest float rounds past BF16's range to Inf
            check(b, DType.F32, DType.BF16, new float[] {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 3.4028235e38f, nan, inf},
                    new float[] {1f, 1 + 0x1p-6f, inf, nan, inf});
            // F16's largest finite is 1.1111111111·2^15: 7 fraction bits round it up to 2^16, finite in BF16
            check(b, DType.F16, DType.BF16, new float[] {65504f, -0f}, new float[] {65536f, -0f});
            // BF16 values past F16's range become Inf, below its smallest subnormal 0; F32 widens exactly
            check(b, DType.BF16, DType.F16, new float[] {1e5f, -1e5f, 0x1p-30f}, new float[] {inf, -inf, 0f});
            check(b, DType.BF16, DType.F32, new float[] {1e38f}, new float[] {Float.intBitsToFloat(0x7e960000)});
        }
    }

    private static void check(Backend b, DType from, DType to, float[] x, float[] expected) {
        try (TensorScope scope = new TensorScope(b.memory())) {
            Tensor src = scope.tensor(from, x, x.length), dst = scope.full(to, 7f, x.length);
            b.elementwise().convert(dst, src);
            assertArrayEquals(expected, dst.toArray(), b.name() + ": " + from + " to " + to);
        }
    }
}
