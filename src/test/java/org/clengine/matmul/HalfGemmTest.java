package org.clengine.matmul;

import static org.clengine.core.DType.BF16;
import static org.clengine.core.DType.F16;
import static org.clengine.core.DType.F32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * GEMM with A and B in F16 or BF16 (C in F32 or their dtype) on every path against the reference, which reads the
 * same rounded inputs in double and rounds C the same way: fresh random data, C poisoned with NaN, the four
 * (input, output) dtype pairs cycled over shapes of 1s, primes, sizes no tile divides, K over several K blocks and
 * a large K. Then NaN in gives NaN out, fp16 overflow gives Inf, reruns and the plain/tiled kernels agree bit for bit.
 */
class HalfGemmTest {
    static final List<MatmulTypes> TYPES = List.of(new MatmulTypes(BF16, BF16), new MatmulTypes(F16, F16),
            new MatmulTypes(BF16, F32), new MatmulTypes(F16, F32));

    static final List<String> SHAPES = List.of("m1n1k1", "m1n7k1", "m7n1k3", "m8n32k16", "m9n33k17", "m31n37k41",
            "m93n7k257", "m7n93k257", "m97n101k103", "m129n129k257", "m17n19k4096", "m64n196k576", "m2n4099k9",
            "b3m17n40k9", "m40n70k513");

    @TestFactory
    List<DynamicTest> everyPathAndDtypeMatchesTheReference() {
        List<MatmulCase> cases = new ArrayList<>();
        int i = 0;
        for (String d : SHAPES) {
            for (int t = 0; t < 4; t++, i++) {
                MatmulCase c = MatmulCase.of(MatmulShape.parse(d).withTransposes((t & 1) != 0, (t & 2) != 0),
                        MatmulTest.PARAMS.get(i % MatmulTest.PARAMS.size())).withTypes(TYPES.get(i % 4));
                cases.add(i % 3 == 2 ? c.padded() : c);
            }
        }
        cases.add(MatmulCase.of("b3m31n37k41", MatmulParams.of(1, 1)).sharedA().withTypes(TYPES.get(0)));
        cases.add(MatmulCase.of("b2m33n65k129", MatmulParams.DEFAULT).sharedB().withTypes(TYPES.get(1)));
        cases.add(MatmulCase.of("m17n19k300", MatmulParams.of(2, -1).withBias(MatmulBias.PER_ROW)).withIntegers()
                .withTypes(TYPES.get(1)));
        cases.add(MatmulCase.of("m65n33k129ta", MatmulParams.DEFAULT).withIntegers().withTypes(TYPES.get(0)));
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (MatmulCase c : cases) {
            tests.add(dynamicTest(c.label() + " seed=" + seed, () -> MatmulTest.check(c, MatmulTest.PATHS,
                    List.of(defaults()), seed)));
        }
        return tests;
    }

    /** A NaN in row 2 of A makes row 2 of C NaN and nothing else, on every path and dtype pair. */
    @Test
    void nanInGivesNanOut() {
        MatmulShape s = MatmulShape.parse("m19n37k257");
        for (MatmulTypes t : TYPES) {
            float[] a = new org.clengine.verify.RandomFill(TestBackends.seed()).normal(s.m() * s.k());
            float[] b = new org.clengine.verify.RandomFill(TestBackends.seed() + 1).normal(s.k() * s.n());
            a[2 * s.k() + 100] = Float.NaN;
            for (MatmulPath p : MatmulTest.PATHS) {
                float[] c = run(ops(p), t, s, a, b);
                for (int i = 0; i < c.length; i++) {
                    boolean row2 = i / s.n() == 2;
                    assertEquals(row2, Float.isNaN(c[i]), t.label() + " " + p + " element " + i + " = " + c[i]);
                }
            }
        }
    }

    /** Sums past fp16's 65504 are stored as +Inf (never clamped to the largest finite value); bf16 keeps them. */
    @Test
    void overflowBecomesInfinity() {
        MatmulShape s = MatmulShape.parse("m9n33k17");
        float[] a = new float[s.m() * s.k()], b = new float[s.k() * s.n()];
        Arrays.fill(a, 200f);
        Arrays.fill(b, 100f); // each sum 17·20000 = 340000 > 65504
        for (MatmulPath p : MatmulTest.PATHS) {
            for (float v : run(ops(p), new MatmulTypes(F16, F16), s, a, b)) {
                assertEquals(Float.POSITIVE_INFINITY, v, p + ": an fp16 overflow must give +Inf");
            }
            for (float v : run(ops(p), new MatmulTypes(BF16, BF16), s, a, b)) {
                assertEquals(BF16.round(340000f), v, p + ": bf16 holds 340000 to 8 bits");
            }
        }
    }

    /**
     * Reruns give the same bits; matmul_tiled equals matmul_plain bit for bit (one fma chain over k each), and
     * DIRECT_AB equals DIRECT_B.
     */
    @Test
    void rerunsAndTiledEqualPlainBitForBit() {
        long seed = TestBackends.seed();
        for (MatmulTypes t : TYPES) {
            for (String d : List.of("m37n19k41tatb", "b3m33n65k129tb", "m131n67k257")) {
                MatmulCase c = MatmulCase.of(d, MatmulParams.of(0.5f, 0).withBias(MatmulBias.PER_COLUMN)).withTypes(t);
                MatmulVerifier.Inputs in = MatmulVerifier.Inputs.random(c, seed);
                float[] plain = MatmulVerifier.output(ops(MatmulPath.PLAIN), c, in);
                String where = c.label() + " seed " + seed;
                assertArrayEquals(plain, MatmulVerifier.output(ops(MatmulPath.TILED), c, in), where + " tiled");
                for (MatmulPath p : List.of(MatmulPath.PACKED, MatmulPath.DIRECT_B, MatmulPath.DIRECT_AB)) {
                    float[] first = MatmulVerifier.output(ops(p), c, in);
                    assertArrayEquals(first, MatmulVerifier.output(ops(p), c, in), where + " " + p + " rerun");
                }
                // A in place or packed: the same fma chain over the same (exactly widened) values
                assertArrayEquals(MatmulVerifier.output(ops(MatmulPath.DIRECT_B), c, in),
                        MatmulVerifier.output(ops(MatmulPath.DIRECT_AB), c, in), where + " DIRECT_AB = DIRECT_B");
            }
        }
    }

    /**
     * The rounding itself, exactly: C = A·B with A = [1, 1] and B's rows {base, j·step} gives fp32-exact sums
     * base + j·step that fall between, on and across 16-bit values (base 256 for BF16, 2048 for F16: an ulp of 2, a
     * step of 1/4), negated in every second row, plus fp16's 65504 + 16 (a tie that rounds to even: +Inf). Every path
     * must store exactly what round-to-nearest-even gives (core.HalfFloats); truncation or round-toward-zero fails.
     * 16 rows and 33 columns: the packed kernel's full 8×32 tiles (the vector store) and its edge column both round.
     */
    @Test
    void outputsAreRoundedToNearestEven() {
        for (DType d : List.of(F16, BF16)) {
            float base = d == F16 ? 2048 : 256;
            int n = 33, m = 16;
            MatmulShape s = MatmulShape.of(m, n, 2);
            float[] a = new float[2 * m], b = new float[2 * n], want = new float[m * n];
            for (int r = 0; r < m; r++) a[2 * r] = a[2 * r + 1] = r % 2 == 0 ? 1 : -1;
            for (int j = 0; j < n; j++) {
                b[j] = base;
                b[n + j] = j * 0.25f;
            }
            if (d == F16) {
                b[n - 1] = 65504;
                b[2 * n - 1] = 16;
            }
            for (int r = 0; r < m; r++) {
                for (int j = 0; j < n; j++) want[r * n + j] = a[2 * r] * d.round(b[j] + b[n + j]);
            }
            for (MatmulPath p : MatmulTest.PATHS) {
                assertArrayEquals(want, run(ops(p), new MatmulTypes(d, d), s, a, b), d + " " + p);
            }
        }
    }

    /** Each 16-bit element costs 2 bytes on the device: the tensor is what it says. */
    @Test
    void sixteenBitOutputsHoldRoundedValues() {
        MatmulShape s = MatmulShape.parse("m7n9k5");
        float[] a = new org.clengine.verify.RandomFill(TestBackends.seed()).normal(35);
        float[] b = new org.clengine.verify.RandomFill(TestBackends.seed() + 7).normal(45);
        for (DType d : List.of(F16, BF16)) {
            float[] c = run(ops(MatmulPath.AUTO), new MatmulTypes(d, d), s, a, b);
            for (float v : c) assertEquals(d.round(v), v, d + " C holds only " + d + " values");
            assertTrue(Arrays.stream(toDoubles(c)).anyMatch(v -> v != 0), "C is all zeros");
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static MatmulOps ops(MatmulPath p) {
        MatmulOps device = TestBackends.openCl().matmul();
        return device.withPolicy(defaults().withPath(p));
    }

    private static float[] run(MatmulOps ops, MatmulTypes t, MatmulShape s, float[] a, float[] b) {
        Memory m = ops.memory();
        try (TensorScope scope = new TensorScope(m)) {
            Tensor c = scope.add(m.full(t.out(), Float.NaN, s.m() * s.n()));
            ops.gemm(Gemm.of(c, scope.add(m.tensor(t.in(), a, a.length)), scope.add(m.tensor(t.in(), b, b.length)),
                    s));
            return c.toArray();
        }
    }

    private static MatmulPolicy defaults() {
        return MatmulPolicy.defaults(TestBackends.policy().family(), TestBackends.device().info());
    }
}
