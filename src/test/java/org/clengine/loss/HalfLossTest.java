package org.clengine.loss;

import static org.clengine.testing.Checks.allPassed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.core.DType;
import org.clengine.loss.LossPolicy.Rows;
import org.clengine.loss.opencl.LossOpenCl;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Softmax + cross-entropy on F16 and BF16 logits (issue 15) against the reference on the same rounded logits, both
 * per-row kernels: the loss fp32 at its fp32 tolerance, the gradient in the logits' dtype within one rounding. Then
 * a NaN logit and one past F16's range (in F32 too), and group sizes that must not change a bit.
 */
class HalfLossTest {
    private static final List<DType> HALF = List.of(DType.F16, DType.BF16);

    @TestFactory
    List<DynamicTest> matchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Rows rows : Rows.values()) {
            LossOps device = new LossOpenCl(TestBackends.device(), TestBackends.policy().loss().withRows(rows));
            for (DType act : HALF) {
                for (int[] s : LossTest.SHAPES) {
                    for (boolean train : new boolean[] {true, false}) {
                        String name = act + " mb" + s[0] + "ic" + s[1] + (train ? " train " : " eval ") + rows;
                        tests.add(dynamicTest(name + " seed=" + seed, () -> allPassed(name, seed, LossVerification
                                .run(device, TestBackends.REFERENCE.loss(), s[0], s[1], train, seed, act))));
                    }
                }
            }
        }
        return tests;
    }

    /**
     * Row 0 holds a NaN logit (its loss, so the mean, and its gradient row are NaN), row 1 a logit of 70000 (Inf in
     * F16: its row NaN too; in BF16 a finite, confident row): the device's outputs are the reference's where either
     * is not finite, element for element, under both row kernels.
     */
    @Test
    void nonFiniteLogitsGiveTheReferencesResult() {
        long seed = TestBackends.seed();
        int n = 3, k = 70;
        RandomFill r = new RandomFill(seed);
        float[] logits = r.normal(n * k), labels = {1, 2, 3};
        logits[5] = Float.NaN;
        logits[k + 9] = 70000f;
        for (Rows rows : Rows.values()) {
            LossOps device = new LossOpenCl(TestBackends.device(), TestBackends.policy().loss().withRows(rows));
            for (DType act : DType.values()) { // F32 too: +inf was a finite loss there before 16 bits showed it
                float[][] want = LossVerification.outputs(TestBackends.REFERENCE.loss(), logits, labels, n, k, true,
                        act);
                float[][] got = LossVerification.outputs(device, logits, labels, n, k, true, act);
                String what = act + " " + rows + " seed " + seed;
                assertTrue(Float.isNaN(want[0][0]) && Float.isNaN(got[0][0]), what + ": loss " + got[0][0]);
                assertEquals(want[0][1], got[0][1], what + ": correct rows");
                int nonFinite = 0;
                for (int i = 0; i < n * k; i++) {
                    if (!Float.isFinite(want[1][i]) || !Float.isFinite(got[1][i])) {
                        assertArrayEquals(new float[] {want[1][i]}, new float[] {got[1][i]}, what + " dlogits " + i);
                        nonFinite++;
                    }
                }
                assertEquals(act == DType.F16 ? 2 * k : k, nonFinite, what + ": NaN gradient elements");
            }
        }
    }

    /** The work-group kernel's 16-bit bits do not depend on the group's size. */
    @Test
    void groupSizeDoesNotChangeResults() {
        long seed = TestBackends.seed();
        LossPolicy group = TestBackends.policy().loss().withRows(Rows.GROUP);
        LossOps base = new LossOpenCl(TestBackends.device(), group);
        for (int local : new int[] {1, 7, 256}) {
            LossOps odd = new LossOpenCl(TestBackends.device(), group.withLocal(local));
            for (DType act : HALF) {
                for (int[] s : new int[][] {{3, 7}, {5, 1000}}) {
                    for (var c : LossVerification.run(odd, base, s[0], s[1], true, seed, act)) {
                        assertEquals(0.0, c.maxAbs(), act + " mb" + s[0] + "ic" + s[1] + " local " + local + ": " + c);
                    }
                }
            }
        }
    }
}
