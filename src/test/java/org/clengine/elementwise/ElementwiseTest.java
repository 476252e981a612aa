package org.clengine.elementwise;

import static org.clengine.testing.Checks.allPassed;
import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.core.ClEngineException;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.elementwise.ElementwiseVerification;
import org.clengine.elementwise.ElementwiseVerification.Variant;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Elementwise ops on OpenCL against the reference; hand-worked cases; views; bad calls. */
class ElementwiseTest {
    /** 1, primes, one below and above a span (4096), several spans, a CNN activation. */
    static final List<Integer> SIZES = List.of(1, 2, 3, 7, 13, 4095, 4096, 4097, 8193, 65537, 100003, 401408);

    @TestFactory
    List<DynamicTest> everyOpMatchesTheReference() {
        Backend device = TestBackends.openCl();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (int n : SIZES) {
            for (Variant v : Variant.values()) {
                tests.add(dynamicTest("n" + n + " " + v.label() + " seed=" + seed, () -> allPassed("n" + n + " "
                        + v.label(), seed, ElementwiseVerification.run(device, TestBackends.REFERENCE, n, v, seed))));
            }
        }
        return tests;
    }

    @Test
    void handWorkedCases() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (Tensor x = b.tensor(new float[] {-2, -0f, 0.5f, Float.NaN, 3}, 5); Tensor y = b.full(9, 5);
                    Tensor dy = b.tensor(new float[] {1, 2, 3, 4, 5}, 5);
                    Tensor z = b.tensor(new float[] {0, -200, 200, 2, -1}, 5)) {
                b.reluForward(y, x);
                assertArrayEquals(new float[] {0, -0f, 0.5f, Float.NaN, 3}, y.toArray(), b.name());
                b.reluBackward(x, dy, y);
                assertArrayEquals(new float[] {0, 0, 3, 0, 5}, x.toArray(), "relu mask is y > 0 on " + b.name());
                b.sigmoidForward(y, z);
                float[] s = y.toArray();
                assertEquals(0.5f, s[0]);
                assertEquals(0f, s[1]);
                assertEquals(1f, s[2]);
                assertEquals(1 / (1 + Math.exp(-2)), s[3], 1e-7);
                b.sigmoidBackward(x, dy, y);
                assertEquals(0.25f, x.toArray()[0], b.name());
                b.add(y, y, y); // in place
                assertEquals(1f, y.toArray()[0]);
                b.scale(y, y, 0.5f);
                assertEquals(0.5f, y.toArray()[0]);
                b.addBackward(null, x, dy);
                assertArrayEquals(dy.toArray(), x.toArray());
                b.fill(x, -3f);
                assertArrayEquals(new float[] {-3, -3, -3, -3, -3}, x.toArray());
            }
        }
    }

    /** A view shares storage, checks its size, and dies with its base. */
    @Test
    void viewsShareStorage() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            Tensor base = b.tensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor v = base.view(3, 2);
            assertArrayEquals(new int[] {3, 2}, v.shape());
            b.scale(v, v, 2);
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, base.toArray(), b.name());
            rejects("cannot view tensor [2, 3] (6 elements) as [4, 2] (8 elements)", () -> base.view(4, 2));
            v.close();
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, base.toArray(), "closing a view frees nothing");
            Tensor w = base.view(6);
            base.close();
            assertTrue(w.isClosed(), "a view is closed with its base on " + b.name());
            assertThrows(ClEngineException.class, w::toArray);
        }
    }

    @Test
    void badCallsAreClearErrors() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (Tensor a = b.full(1, 2, 3); Tensor c = b.full(1, 3, 2); Tensor d = b.full(1, 6)) {
                rejects("b has shape [3, 2], expected [2, 3]", () -> b.add(a, a, c));
                rejects("y has shape [6], expected [2, 3]", () -> b.reluForward(d, a));
                rejects("dx is null", () -> b.reluBackward(null, a, a));
                rejects("alpha must be finite", () -> b.scale(a, a, Float.NaN));
                rejects("db has shape [3, 2], expected [2, 3]", () -> b.addBackward(a, c, a));
                rejects("x is null", () -> b.sigmoidForward(a, null));
            }
        }
    }
}
