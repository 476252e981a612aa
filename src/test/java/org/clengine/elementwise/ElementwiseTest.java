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
import org.clengine.backend.Backend;
import org.clengine.core.ClEngineException;
import org.clengine.core.Tensor;
import org.clengine.elementwise.ElementwiseVerification.Variant;
import org.clengine.elementwise.opencl.ElementwiseOpenCl;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Elementwise ops on OpenCL against the reference; hand-worked cases; copies; views; bad calls. */
class ElementwiseTest {
    /** 1, primes, one below and above a span (4096), several spans, a CNN activation. */
    static final List<Integer> SIZES = List.of(1, 2, 3, 7, 13, 4095, 4096, 4097, 8193, 65537, 100003, 401408);

    @TestFactory
    List<DynamicTest> everyOpMatchesTheReference() {
        ElementwiseOps device = TestBackends.openCl().elementwise();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (int n : SIZES) {
            for (Variant v : Variant.values()) {
                tests.add(dynamicTest("n" + n + " " + v.label() + " seed=" + seed, () -> allPassed("n" + n + " "
                        + v.label(), seed, ElementwiseVerification.run(device, TestBackends.REFERENCE.elementwise(),
                                n, v, seed))));
            }
        }
        return tests;
    }

    /** Spans and local sizes that divide nothing (7 floats, groups of 3) still give the reference's results. */
    @Test
    void oddSpansMatchTheReference() {
        ElementwiseOpenCl base = new ElementwiseOpenCl(TestBackends.device(), TestBackends.policy().elementwise());
        ElementwiseOps odd = new ElementwiseOpenCl(TestBackends.device(), base.policy().withSpan(7).withLocal(3));
        long seed = TestBackends.seed();
        for (int n : new int[] {1, 20, 4099}) {
            for (Variant v : Variant.values()) {
                allPassed("n" + n + " " + v.label() + " span 7 local 3", seed,
                        ElementwiseVerification.run(odd, TestBackends.REFERENCE.elementwise(), n, v, seed));
            }
        }
    }

    /** Whole float4s through copy.cl, the last size % 4 floats by a buffer copy; any span and local size. */
    @Test
    void copyCopiesEveryElement() {
        ElementwiseOpenCl base = new ElementwiseOpenCl(TestBackends.device(), TestBackends.policy().elementwise());
        List<ElementwiseOps> all = List.of(TestBackends.REFERENCE.elementwise(), base,
                new ElementwiseOpenCl(TestBackends.device(), base.policy().withCopySpan(3).withCopyLocal(2)));
        RandomFill r = new RandomFill(TestBackends.seed());
        for (int n : new int[] {1, 3, 4, 5, 8, 13, 4099, 65541}) {
            float[] data = r.normal(n);
            for (int i = 0; i < all.size(); i++) {
                ElementwiseOps e = all.get(i);
                try (Tensor src = e.memory().tensor(data, n); Tensor dst = e.memory().full(Float.NaN, n)) {
                    e.copy(dst, src);
                    assertArrayEquals(data, dst.toArray(), "n" + n + " on " + List.of("the reference",
                            "the default policy", "copy span 3, local 2").get(i));
                }
            }
        }
    }

    @Test
    void handWorkedCases() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            ElementwiseOps e = b.elementwise();
            try (Tensor x = b.tensor(new float[] {-2, -0f, 0.5f, Float.NaN, 3}, 5); Tensor y = b.full(9, 5);
                    Tensor dy = b.tensor(new float[] {1, 2, 3, 4, 5}, 5);
                    Tensor z = b.tensor(new float[] {0, -200, 200, 2, -1}, 5)) {
                e.reluForward(y, x);
                assertArrayEquals(new float[] {0, -0f, 0.5f, Float.NaN, 3}, y.toArray(), b.name());
                e.reluBackward(x, dy, y);
                assertArrayEquals(new float[] {0, 0, 3, 0, 5}, x.toArray(), "relu mask is y > 0 on " + b.name());
                e.sigmoidForward(y, z);
                float[] s = y.toArray();
                assertEquals(0.5f, s[0]);
                assertEquals(0f, s[1]);
                assertEquals(1f, s[2]);
                assertEquals(1 / (1 + Math.exp(-2)), s[3], 1e-7);
                e.sigmoidBackward(x, dy, y);
                assertEquals(0.25f, x.toArray()[0], b.name());
                e.add(y, y, y); // in place
                assertEquals(1f, y.toArray()[0]);
                e.scale(y, y, 0.5f);
                assertEquals(0.5f, y.toArray()[0]);
                e.addBackward(x, z, dy);
                assertArrayEquals(dy.toArray(), x.toArray());
                assertArrayEquals(dy.toArray(), z.toArray());
                e.fill(x, -3f);
                assertArrayEquals(new float[] {-3, -3, -3, -3, -3}, x.toArray());
            }
        }
    }

    /**
     * The contract's in-place use: an output that is one of the inputs, or a view of it, gives bitwise the
     * out-of-place result on both backends; copy onto itself changes nothing (on OpenCL it was a driver error
     * half-way, CL_MEM_COPY_OVERLAP, issue 18). 4099 floats: copy.cl's float4s and the buffer copy of the tail.
     */
    @Test
    void everyOpRunsInPlace() {
        int n = 4099;
        RandomFill r = new RandomFill(TestBackends.seed());
        float[] a = r.normal(n), b2 = r.normal(n);
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            ElementwiseOps e = b.elementwise();
            List<java.util.function.BiConsumer<Tensor, Tensor[]>> ops = List.of(
                    (out, in) -> e.copy(out, in[0]), (out, in) -> e.scale(out, in[0], -1.5f),
                    (out, in) -> e.add(out, in[0], in[1]), (out, in) -> e.reluForward(out, in[0]),
                    (out, in) -> e.reluBackward(out, in[0], in[1]), (out, in) -> e.sigmoidForward(out, in[0]),
                    (out, in) -> e.sigmoidBackward(out, in[0], in[1]), (out, in) -> e.addBackward(out, in[1], in[0]));
            for (int i = 0; i < ops.size(); i++) {
                for (boolean view : new boolean[] {false, true}) {
                    try (Tensor x = b.tensor(a, n); Tensor y = b.tensor(b2, n); Tensor out = b.full(Float.NaN, n);
                            Tensor x2 = b.tensor(a, n); Tensor y2 = b.tensor(b2, n)) {
                        ops.get(i).accept(out, new Tensor[] {x, y});
                        Tensor self = view ? x2.view(1, n).view(n) : x2;
                        ops.get(i).accept(self, new Tensor[] {x2, y2});
                        assertArrayEquals(out.toArray(), x2.toArray(), "op " + i + (view ? " through a view" : "")
                                + " in place on " + b.name());
                    }
                }
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
            b.elementwise().scale(v, v, 2);
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
            ElementwiseOps e = b.elementwise();
            try (Tensor a = b.full(1, 2, 3); Tensor c = b.full(1, 3, 2); Tensor d = b.full(1, 6)) {
                rejects("b has shape [3, 2], expected [2, 3]", () -> e.add(a, a, c));
                rejects("y has shape [6], expected [2, 3]", () -> e.reluForward(d, a));
                rejects("dx is null", () -> e.reluBackward(null, a, a));
                rejects("alpha must be finite", () -> e.scale(a, a, Float.NaN));
                rejects("db has shape [3, 2], expected [2, 3]", () -> e.addBackward(a, c, a));
                rejects("da is null", () -> e.addBackward(null, a, a));
                rejects("x is null", () -> e.sigmoidForward(a, null));
                rejects("dst has shape [6], expected [2, 3]", () -> e.copy(d, a));
                rejects("t is null", () -> e.fill(null, 1f));
            }
        }
    }

    @Test
    void policyRefusesZeroSpans() {
        rejects("elementwise span must be at least 1, got 0", () -> new ElementwisePolicy(0, 1, 1, 1));
        rejects("elementwise copy local size must be at least 1, got 0", () -> new ElementwisePolicy(1, 1, 1, 0));
    }
}
