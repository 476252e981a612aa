package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * Regression (found by the SKIP fuzz): under PROPAGATE with momentum 0, an input whose variance overflows fp32
 * made the OpenCL running var NaN (0·Inf, PyTorch's arithmetic: running = (1 − m)·running + m·batch in fp32) while
 * the reference, in double, kept it finite. Both backends now give NaN, for plain, ghost and renorm; the running
 * mean (finite batch mean, weight 0) stays bitwise as it was, and a channel whose variance fits stays finite.
 */
class BatchNormOverflowUpdateTest {
    /** Channel 0 holds ±1e30 (variance 1e60, past fp32), channel 1 ordinary values; momentum 0. */
    private static final int[] DIMS = {4, 2, 1, 3};

    @Test
    void momentumZeroOnAnOverflowingVarianceGivesNaNOnBothBackends() {
        float[] x = new float[4 * 2 * 3];
        for (int i = 0; i < x.length; i++) {
            boolean first = i / 3 % 2 == 0;
            x[i] = first ? (i % 2 == 0 ? 1e30f : -1e30f) : 0.25f * (i % 7) - 0.5f;
        }
        for (String mode : List.of("plain", "ghost", "renorm")) {
            for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
                float[][] run = step(b, mode, x);
                String where = b.name() + " " + mode + ": running mean " + Arrays.toString(run[0]) + ", var "
                        + Arrays.toString(run[1]);
                assertTrue(Float.isNaN(run[1][0]), where + ": channel 0's var should be NaN (0·Inf)");
                assertEquals(0.5f, run[0][0], where + ": channel 0's mean keeps its value (0·mean = 0)");
                assertEquals(0.5f, run[0][1], where);
                assertEquals(2f, run[1][1], where);
            }
        }
    }

    /** One training step with momentum 0 from running mean 0.5 and var 2: {running mean, running var}. */
    private static float[][] step(Backend b, String mode, float[] x) {
        BatchNormConfig cfg = BatchNormConfig.DEFAULT.withMomentum(0.0);
        try (TensorScope sc = new TensorScope(b.memory())) {
            BatchNormRunningStats stats = sc.add(new BatchNormRunningStats(sc.full(0.5f, 2), sc.full(2f, 2), 0));
            int[] statDims = mode.equals("ghost") ? new int[] {2, 2} : new int[] {2};
            BatchNormSaved saved = sc.add(new BatchNormSaved(sc.full(Float.NaN, statDims),
                    sc.full(Float.NaN, statDims), sc.full(Float.NaN, statDims)));
            BatchNormTraining call = BatchNormTraining.of(sc.full(Float.NaN, DIMS), saved, sc.tensor(x, DIMS))
                    .running(stats).config(cfg);
            switch (mode) {
                case "ghost" -> b.batchNorm().forwardTrainingGhost(new GhostBatchNormTraining(call, 2));
                case "renorm" -> b.batchNorm().forwardTrainingRenorm(new BatchRenormTraining(call,
                        new BatchRenorm(3, 5), sc.add(BatchRenormSaved.allocate(b.memory(), 2))));
                default -> b.batchNorm().forwardTraining(call);
            }
            return new float[][] {stats.mean().toArray(), stats.var().toArray()};
        }
    }
}
