package org.clengine.loss;

import static org.clengine.testing.Checks.allPassed;
import static org.clengine.testing.Checks.centralDifference;
import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.loss.LossPolicy.Rows;
import org.clengine.loss.opencl.LossOpenCl;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Softmax + cross-entropy on OpenCL against the reference; the reference by hand and by finite differences. */
class LossTest {
    static final int[][] SHAPES = {{1, 2}, {2, 2}, {1, 10}, {3, 7}, {64, 10}, {128, 10}, {97, 13}, {5, 1000},
        {256, 100}, {2, 3}};

    /** Both per-row kernels (a work-item per row: the CPU family's; a work-group per row: the GPU's). */
    @TestFactory
    List<DynamicTest> matchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Rows rows : Rows.values()) {
            LossOps device = opencl(TestBackends.policy().loss().withRows(rows));
            for (int[] s : SHAPES) {
                for (boolean train : new boolean[] {true, false}) {
                    String name = "mb" + s[0] + "ic" + s[1] + (train ? " train " : " eval ") + rows;
                    tests.add(dynamicTest(name + " seed=" + seed, () -> allPassed(name, seed,
                            LossVerification.run(device, TestBackends.REFERENCE.loss(), s[0], s[1], train, seed))));
                }
            }
        }
        return tests;
    }

    /**
     * The work-group kernel's bits do not depend on the group's size (1, 7, 64, 256: fewer items than its 64
     * lanes, more, and not dividing them) and are the same run after run.
     */
    @Test
    void groupSizeDoesNotChangeResults() {
        long seed = TestBackends.seed();
        LossPolicy group = TestBackends.policy().loss().withRows(Rows.GROUP);
        LossOps base = opencl(group);
        for (int local : new int[] {1, 7, 64, 256}) {
            LossOps odd = opencl(group.withLocal(local));
            for (int[] s : new int[][] {{3, 7}, {5, 1000}, {97, 13}}) {
                for (boolean train : new boolean[] {true, false}) {
                    for (var c : LossVerification.run(odd, base, s[0], s[1], train, seed)) {
                        assertEquals(0.0, c.maxAbs(), "mb" + s[0] + "ic" + s[1] + " local " + local + ": " + c);
                    }
                }
            }
        }
    }

    private static LossOps opencl(LossPolicy policy) {
        return new LossOpenCl(TestBackends.device(), policy);
    }

    /** Equal logits: loss log K, nothing correct unless the label is class 0 (the first largest). */
    @Test
    void byHand() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl(), TestBackends.openCl(TestBackends
                .policy().withLoss(TestBackends.policy().loss().withRows(Rows.GROUP))))) {
            try (Tensor logits = b.full(0.5f, 2, 4); Tensor labels = b.tensor(new float[] {0, 3}, 2);
                    Tensor result = b.full(Float.NaN, 2); Tensor d = b.full(Float.NaN, 2, 4)) {
                b.loss().softmaxCrossEntropy(result, d, logits, labels);
                float[] r = result.toArray();
                assertEquals(Math.log(4), r[0], 1e-6, b.name());
                assertEquals(1f, r[1], b.name());
                float[] g = d.toArray();
                assertEquals((0.25 - 1) / 2, g[0], 1e-7);
                assertEquals(0.25 / 2, g[1], 1e-7);
                assertEquals((0.25 - 1) / 2, g[7], 1e-7);
            }
        }
    }

    /** dlogits is the gradient of the mean loss (central differences in double on the reference). */
    @Test
    void gradientIsTheDerivative() {
        RandomFill r = new RandomFill(TestBackends.seed());
        int n = 3, k = 5;
        float[] labels = {4, 0, 2};
        double[] logits = new double[n * k];
        for (int i = 0; i < logits.length; i++) logits[i] = 2 * r.gaussian();
        float[] d = new float[n * k];
        float[] result = new float[2];
        LossReference.softmaxCrossEntropy(result, d, toFloat(logits), labels, n, k);
        for (int i = 0; i < logits.length; i++) {
            double fd = centralDifference(v -> {
                float[] res = new float[2];
                LossReference.softmaxCrossEntropy(res, null, toFloat(v), labels, n, k);
                return res[0];
            }, logits, i, 1e-2);
            assertEquals(fd, d[i], 2e-4, "logit " + i);
        }
    }

    /**
     * A label that is not a class index (K, −1, 1.5, NaN) gives the same on both backends: a NaN loss, a NaN
     * gradient row for that label's row only, and that row not counted as correct; the other rows as usual.
     */
    @Test
    void labelOutOfRangeGivesNaNOnBothBackends() {
        float[] logits = {1, 5, 2, 3, 0, -1, 0, 0, 9}; // rows 0 and 2 are correct with labels 1 and 2
        for (float bad : new float[] {3, -1, 1.5f, Float.NaN}) {
            float[] labels = {1, bad, 2};
            for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
                String what = "label " + bad + " on " + b.name();
                try (Tensor l = b.tensor(logits, 3, 3); Tensor y = b.tensor(labels, 3);
                        Tensor result = b.full(0, 2); Tensor eval = b.full(0, 2); Tensor d = b.full(0, 3, 3)) {
                    b.loss().softmaxCrossEntropy(result, d, l, y);
                    b.loss().softmaxCrossEntropy(eval, l, y);
                    float[] r = result.toArray(), e = eval.toArray(), g = d.toArray();
                    assertTrue(Float.isNaN(r[0]) && Float.isNaN(e[0]), what + ": loss " + r[0] + ", eval " + e[0]);
                    assertEquals(2f, r[1], what);
                    assertEquals(2f, e[1], what);
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(i / 3 == 1, Float.isNaN(g[i]), what + ": dlogits[" + i + "] = " + g[i]);
                    }
                }
            }
        }
    }

    @Test
    void badShapesAreClearErrors() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            LossOps loss = b.loss();
            try (Tensor logits = b.full(0f, 2, 3); Tensor labels = b.tensor(new float[] {0, 2}, 2);
                    Tensor result = b.full(0, 2); Tensor wrong = b.full(0, 3); Tensor cube = b.full(0, 2, 3, 1)) {
                rejects("labels has shape [3], expected [2]", () -> loss.softmaxCrossEntropy(result, logits, wrong));
                rejects("result has shape [3], expected [2]", () -> loss.softmaxCrossEntropy(wrong, logits, labels));
                rejects("softmax cross-entropy takes logits [N,classes], got [2, 3, 1]",
                        () -> loss.softmaxCrossEntropy(result, cube, labels));
                rejects("dlogits has shape [2, 3, 1], expected [2, 3]", () -> loss.softmaxCrossEntropy(result, cube,
                        logits, labels));
                rejects("dlogits is null", () -> loss.softmaxCrossEntropy(result, null, logits, labels));
            }
        }
    }

    static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }
}
