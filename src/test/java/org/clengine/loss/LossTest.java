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
import org.clengine.loss.LossReference;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.loss.LossVerification;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Softmax + cross-entropy on OpenCL against the reference; the reference by hand and by finite differences. */
class LossTest {
    static final int[][] SHAPES = {{1, 2}, {2, 2}, {1, 10}, {3, 7}, {64, 10}, {128, 10}, {97, 13}, {5, 1000},
        {256, 100}, {2, 3}};

    @TestFactory
    List<DynamicTest> matchesTheReference() {
        Backend device = TestBackends.openCl();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (boolean train : new boolean[] {true, false}) {
                String name = "mb" + s[0] + "ic" + s[1] + (train ? " train" : " eval");
                tests.add(dynamicTest(name + " seed=" + seed, () -> allPassed(name, seed,
                        LossVerification.run(device, TestBackends.REFERENCE, s[0], s[1], train, seed))));
            }
        }
        return tests;
    }

    /** Equal logits: loss log K, nothing correct unless the label is class 0 (the first largest). */
    @Test
    void byHand() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (Tensor logits = b.full(0.5f, 2, 4); Tensor labels = b.tensor(new float[] {0, 3}, 2);
                    Tensor result = b.full(Float.NaN, 2); Tensor d = b.full(Float.NaN, 2, 4)) {
                b.softmaxCrossEntropy(result, d, logits, labels);
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

    /** The reference rejects bad labels; OpenCL cannot read them back and returns NaN instead. */
    @Test
    void badLabelsAndShapes() {
        Backend ref = TestBackends.REFERENCE;
        Backend cl = TestBackends.openCl();
        for (Backend b : List.of(ref, cl)) {
            try (Tensor logits = b.full(0f, 2, 3); Tensor labels = b.tensor(new float[] {0, 3}, 2);
                    Tensor result = b.full(0, 2); Tensor wrong = b.full(0, 3); Tensor cube = b.full(0, 2, 3, 1)) {
                if (b == ref) {
                    rejects("label 1 is 3.0; labels must be class indices in [0, 3)", () -> b.softmaxCrossEntropy(
                            result, null, logits, labels));
                } else {
                    b.softmaxCrossEntropy(result, null, logits, labels);
                    assertTrue(Float.isNaN(result.toArray()[0]), "a label out of range gives a NaN loss");
                }
                rejects("labels has shape [3], expected [2]", () -> b.softmaxCrossEntropy(result, null, logits, wrong));
                rejects("result has shape [3], expected [2]", () -> b.softmaxCrossEntropy(wrong, null, logits,
                        labels));
                rejects("softmax cross-entropy takes logits [N,classes], got [2, 3, 1]",
                        () -> b.softmaxCrossEntropy(result, null, cube, labels));
                rejects("dlogits has shape [2, 3, 1], expected [2, 3]", () -> b.softmaxCrossEntropy(result, cube,
                        logits, labels));
            }
        }
    }

    static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }
}
