package org.clengine.pooling;

import static org.clengine.testing.Checks.allPassed;
import static org.clengine.testing.Checks.centralDifference;
import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.pooling.PoolingPolicy.Walk;
import org.clengine.pooling.PoolingVerification.Variant;
import org.clengine.pooling.opencl.PoolingOpenCl;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Pooling on OpenCL against the reference; the reference by hand and by finite differences; bad calls. */
class PoolingTest {
    /**
     * 1×1 planes, odd sizes the stride does not divide, overlapping windows, stride > window, rectangles, and unpadded
     * windows of every size up to 4 and past it.
     */
    static final List<String> SHAPES = List.of(
            "mb1ic1ih1kh1", "mb2ic3ih4kh2", "mb1ic1ih5kh2", "mb3ic2ih7iw9kh3sh2ph1", "mb2ic5ih13kh3sh1ph1",
            "mb1ic4ih9kh2sh3", "mb2ic2ih6iw11kh2kw3sh1sw2ph1pw0", "mb4ic3ih28kh2", "mb1ic7ih17kh5sh2ph2",
            "mb2ic16ih14kh2", "mb1ic3ih8iw1kh2kw1", "mb3ic1ih3kh3", "mb2ic64ih7kh7", "mb1ic2ih11kh4sh3ph2",
            "mb5ic3ih10iw3kh3kw3sh3sw1ph1pw1",
            // no padding, windows and strides up to 4 (max forward's compiled-in window: float4 outputs and a tail)
            "mb2ic3ih23kh3sh2", "mb1ic2ih13iw29kh2kw3sh1sw2", "mb2ic5ih19kh4sh4", "mb2ic3ih9iw13kh1kw3sh2sw1",
            "mb1ic2ih21kh5sh5");

    /** Every variant under both walks (the CPU family's row kernels and the GPU family's), whatever the device. */
    @TestFactory
    List<DynamicTest> everyVariantMatchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Walk walk : Walk.values()) {
            PoolingOps device = new PoolingOpenCl(TestBackends.device(), TestBackends.policy().pooling().withWalk(walk));
            for (String d : SHAPES) {
                for (Variant v : Variant.values()) {
                    String name = d + " " + v.label() + " " + walk;
                    tests.add(dynamicTest(name + " seed=" + seed, () -> allPassed(name, seed, PoolingVerification.run(
                            device, TestBackends.REFERENCE.pooling(), Pool2dShape.parse(d), v, seed))));
                }
            }
        }
        return tests;
    }

    /**
     * The local size changes speed only: under each walk, local sizes 1, 7 (not dividing the items) and 64 give the
     * bits of the policy's (the global average's work-group kernel too: its lanes do not depend on the group).
     */
    @Test
    void localSizeDoesNotChangeResults() {
        long seed = TestBackends.seed();
        for (Walk walk : Walk.values()) {
            PoolingOpenCl base = new PoolingOpenCl(TestBackends.device(),
                    TestBackends.policy().pooling().withWalk(walk));
            for (int local : new int[] {1, 7, 64}) {
                PoolingOps odd = new PoolingOpenCl(TestBackends.device(), base.policy().withLocal(local));
                for (String d : List.of("mb2ic3ih7iw9kh3sh2ph1", "mb2ic3ih7kh2", "mb3ic2ih5kh2sh1", "mb2ic3ih17kh3")) {
                    for (Variant v : Variant.values()) {
                        for (var c : PoolingVerification.run(odd, base, Pool2dShape.parse(d), v, seed)) {
                            assertEquals(0.0, c.maxAbs(), d + " " + v.label() + " " + walk + " local " + local + ": "
                                    + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void descriptorsRoundTrip() {
        for (String d : SHAPES) {
            Pool2dShape s = Pool2dShape.parse(d);
            assertEquals(s, Pool2dShape.parse(s.descriptor()), d);
        }
        assertEquals("mb1ic1ih4kh2", Pool2dShape.parse("mb1ic1ih4iw4kh2kw2sh2sw2ph0pw0").descriptor());
    }

    /** Ties go to the first in row-major order, NaN wins, padding never wins; the backward follows the argmax. */
    @Test
    void maxPoolByHand() {
        float nan = Float.NaN;
        float[] x = {1, 3, 3, 0,
                     2, 3, nan, 1,
                     -5, -6, 4, 4,
                     -7, -8, 4, 4};
        Pool2dShape s = new Pool2dShape(1, 1, 4, 4, Pool2dParams.of(2));
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            PoolingOps pool = b.pooling();
            try (Tensor xt = b.tensor(x, 1, 1, 4, 4); Tensor y = b.full(9, 1, 1, 2, 2);
                    Tensor dx = b.full(9, 1, 1, 4, 4); Tensor dy = b.tensor(new float[] {10, 20, 30, 40}, 1, 1, 2, 2)) {
                pool.maxForward(y, xt, s.params());
                assertArrayEquals(new float[] {3, nan, -5, 4}, y.toArray(), b.name());
                pool.maxBackward(dx, dy, xt, s.params());
                assertArrayEquals(new float[] {0, 10, 0, 0, 0, 0, 20, 0, 30, 0, 40, 0, 0, 0, 0, 0}, dx.toArray(),
                        b.name());
            }
            // a 3×3 window, stride 1, padding 1 over all-negative values: padding (zero) never wins
            try (Tensor xt = b.full(-1, 1, 1, 2, 2); Tensor y = b.full(9, 1, 1, 2, 2)) {
                pool.maxForward(y, xt, Pool2dParams.of(3, 1, 1));
                assertArrayEquals(new float[] {-1, -1, -1, -1}, y.toArray());
            }
        }
    }

    /** PyTorch's divisors: count_include_pad=True divides corner windows by 9 in a 3×3/s1/p1 pool, False by 4. */
    @Test
    void averageDivisorsByHand() {
        Pool2dShape s = new Pool2dShape(1, 1, 3, 3, Pool2dParams.of(3, 1, 1));
        assertEquals(9, PoolingReference.divisor(0, 0, s));
        assertEquals(4, PoolingReference.divisor(0, 0, s.withParams(s.params().withCountIncludePad(false))));
        assertEquals(6, PoolingReference.divisor(0, 1, s.withParams(s.params().withCountIncludePad(false))));
        // the last window of a 4×4 input, 3×3 window, stride 2, pad 1 covers rows 1..3 and columns −1..1
        Pool2dShape t = new Pool2dShape(1, 1, 4, 4, Pool2dParams.of(3, 2, 1).withCountIncludePad(false));
        assertEquals(6, PoolingReference.divisor(1, 0, t));
    }

    /** Average and global average backward are the gradients of Σ w·forward (central differences in double). */
    @Test
    void backwardIsTheGradient() {
        RandomFill r = new RandomFill(TestBackends.seed());
        for (String d : List.of("mb1ic2ih5kh3sh2ph1", "mb2ic1ih4iw6kh2kw3sh1sw2")) {
            for (boolean include : new boolean[] {true, false}) {
                Pool2dShape s0 = Pool2dShape.parse(d);
                Pool2dShape s = s0.withParams(s0.params().withCountIncludePad(include));
                int nx = Tensor.elementCount(s.xDims()), ny = Tensor.elementCount(s.yDims());
                float[] w = r.normal(ny);
                float[] dx = new float[nx];
                PoolingReference.avgBackward(dx, w, s);
                double[] x = toDouble(r.normal(nx));
                for (int i = 0; i < nx; i++) {
                    double fd = centralDifference(v -> {
                        float[] y = new float[ny];
                        PoolingReference.avgForward(y, toFloat(v), s);
                        double sum = 0;
                        for (int j = 0; j < ny; j++) sum += (double) w[j] * y[j];
                        return sum;
                    }, x, i, 1e-2);
                    assertEquals(fd, dx[i], 1e-4, d + " include_pad=" + include + " element " + i);
                }
            }
        }
    }

    @Test
    void badCallsAreClearErrors() {
        rejects("pooling padding must be between 0 and half the window", () -> Pool2dParams.of(2, 2, 2));
        rejects("pooling window must be at least 1×1", () -> Pool2dParams.of(0));
        rejects("pooling stride must be at least 1", () -> Pool2dParams.of(2, 0, 0));
        rejects("pooling window 5×5 is larger than the padded input 4×4", () -> Pool2dShape.parse("mb1ic1ih4kh5"));
        rejects("is not a pooling descriptor", () -> Pool2dShape.parse("mb1ic1ih4"));
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            PoolingOps pool = b.pooling();
            try (Tensor x = b.full(1, 2, 3, 8, 8); Tensor y = b.full(1, 2, 3, 4, 4); Tensor bad = b.full(1, 2, 3, 3, 3);
                    Tensor flat = b.full(1, 2, 3); Tensor g = b.full(1, 2, 3)) {
                Pool2dParams two = Pool2dParams.of(2);
                rejects("y has shape [2, 3, 3, 3], expected [2, 3, 4, 4]", () -> pool.maxForward(bad, x, two));
                rejects("pooling takes x [N,C,H,W], got [2, 3]", () -> pool.avgForward(y, flat, two));
                rejects("dy has shape [2, 3, 3, 3], expected [2, 3, 4, 4]", () -> pool.maxBackward(x, bad, x, two));
                // the cast picks the public method: this package also sees the protected one taking a Pool2dShape
                rejects("params is null", () -> pool.avgBackward(x, y, (Pool2dParams) null));
                rejects("y has shape [2, 3, 4, 4], expected [2, 3]", () -> pool.globalAvgForward(y, x));
                rejects("global average pooling takes dx [N,C,H,W], got [2, 3]", () -> pool.globalAvgBackward(g, g));
            }
        }

    }

    static double[] toDouble(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }
}
