package org.clengine.pooling;

import static org.clengine.testing.Checks.allPassed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.pooling.PoolingPolicy.Walk;
import org.clengine.pooling.PoolingVerification.Variant;
import org.clengine.pooling.opencl.PoolingOpenCl;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Pooling with F16 and BF16 tensors (issue 15) against the reference on the same rounded inputs, under both walks
 * (the CPU family's row kernels and the GPU family's element and group kernels), outputs poisoned with NaN: max
 * exact (it moves rounded values, its argmax found among them), sums within one 16-bit rounding. Then NaN, ±Inf and
 * values past F16's range through every op, and local sizes that must not change a bit.
 */
class HalfPoolingTest {
    private static final List<DType> HALF = List.of(DType.F16, DType.BF16);

    @TestFactory
    List<DynamicTest> everyVariantMatchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Walk walk : Walk.values()) {
            PoolingOps device = new PoolingOpenCl(TestBackends.device(), TestBackends.policy().pooling().withWalk(walk));
            for (DType act : HALF) {
                for (String d : PoolingTest.SHAPES) {
                    for (Variant v : Variant.values()) {
                        String name = act + " " + d + " " + v.label() + " " + walk;
                        tests.add(dynamicTest(name + " seed=" + seed, () -> allPassed(name, seed, PoolingVerification
                                .run(device, TestBackends.REFERENCE.pooling(), Pool2dShape.parse(d), v, seed, act))));
                    }
                }
            }
        }
        return tests;
    }

    /**
     * NaN wins a max and poisons a sum, ±Inf pass through (Inf + −Inf is NaN), 70000 is Inf in F16 and finite in
     * BF16: the device's non-finite outputs must be the reference's, element for element, and the rest within the
     * usual tolerance.
     */
    @TestFactory
    List<DynamicTest> nonFiniteValuesPropagateAsInTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Walk walk : Walk.values()) {
            PoolingOps device = new PoolingOpenCl(TestBackends.device(), TestBackends.policy().pooling().withWalk(walk));
            for (DType act : HALF) {
                for (String d : List.of("mb2ic3ih7iw9kh3sh2ph1", "mb2ic3ih8kh2", "mb1ic2ih9kh3sh1")) {
                    for (Variant v : Variant.values()) {
                        String name = act + " " + d + " " + v.label() + " " + walk + " seed=" + seed;
                        tests.add(dynamicTest(name, () -> nonFinite(device, Pool2dShape.parse(d), v, act, seed,
                                name)));
                    }
                }
            }
        }
        return tests;
    }

    private static void nonFinite(PoolingOps device, Pool2dShape s, Variant v, DType act, long seed, String name) {
        if (v == Variant.AVG_EXCL_PAD_FWD || v == Variant.AVG_EXCL_PAD_BWD) {
            s = s.withParams(s.params().withCountIncludePad(false));
        }
        RandomFill r = new RandomFill(seed);
        int nx = Tensor.elementCount(s.xDims());
        float[] x = r.normal(nx), dy = r.normal(nx);
        float[] edge = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 70000f, -70000f, -0f};
        for (int k = 0; k < edge.length; k++) {
            x[(k * 37 + 5) % nx] = edge[k];
            dy[(k * 29 + 3) % nx] = edge[(k + 1) % edge.length];
        }
        dy[1] = Float.NEGATIVE_INFINITY; // the global backward reads only dy's first N·C values
        Map<String, float[]> want = PoolingVerification.outputs(TestBackends.REFERENCE.pooling(), s, v, x, dy, act);
        Map<String, float[]> got = PoolingVerification.outputs(device, s, v, x, dy, act);
        // an average of 70000 and values of size 1 is no more exact than 70000: errors against the op on |x|, |dy|
        Map<String, float[]> scale = PoolingVerification.outputs(TestBackends.REFERENCE.pooling(), s, v,
                Comparison.abs(x), Comparison.abs(dy), act);
        boolean sawNonFinite = false;
        for (var e : want.entrySet()) {
            float[] a = e.getValue(), b = got.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                if (!Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
                    assertArrayEquals(new float[] {a[i]}, new float[] {b[i]}, name + " " + e.getKey() + "[" + i
                            + "]");
                    a[i] = b[i] = scale.get(e.getKey())[i] = 0;
                    sawNonFinite = true;
                }
            }
            Tolerance tol = v.name().startsWith("MAX") ? Tolerance.EXACT : Tolerance.half(act, Tolerance.sum(81));
            Comparison c = Comparison.of(e.getKey(), a, b, tol, v.name().startsWith("MAX") ? null : scale.get(e
                    .getKey()));
            assertTrue(c.passed() || c.status() == Comparison.Status.MISTRUSTED, name + ": " + c);
        }
        // every variant reads x or dy where an edge value sits: a test that saw none checked nothing special
        assertTrue(sawNonFinite, name + ": no output was NaN or infinite");
    }

    /** Local sizes 1, 7 and 64 give the policy's bits in 16 bits as in 32, under both walks. */
    @Test
    void localSizeDoesNotChangeResults() {
        long seed = TestBackends.seed();
        for (Walk walk : Walk.values()) {
            PoolingOpenCl base = new PoolingOpenCl(TestBackends.device(),
                    TestBackends.policy().pooling().withWalk(walk));
            for (int local : new int[] {1, 7, 64}) {
                PoolingOps odd = new PoolingOpenCl(TestBackends.device(), base.policy().withLocal(local));
                for (DType act : HALF) {
                    for (String d : List.of("mb2ic3ih7iw9kh3sh2ph1", "mb2ic3ih17kh3")) {
                        for (Variant v : Variant.values()) {
                            for (var c : PoolingVerification.run(odd, base, Pool2dShape.parse(d), v, seed, act)) {
                                assertEquals(0.0, c.maxAbs(), act + " " + d + " " + v.label() + " " + walk + " local "
                                        + local + ": " + c);
                            }
                        }
                    }
                }
            }
        }
    }
}
