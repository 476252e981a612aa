package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.batchnorm.BatchRenormSchedule;
import org.clengine.core.AllGather;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/**
 * BatchNorm.sync on one rank: the exchange is used exactly in training (two calls a step: statistics forward, sums
 * backward) and never in eval or frozen mode; a world of one rank gives the unsynchronized layer's result; SyncBN
 * excludes ghost batch norm and batch renormalization either way round.
 */
class SyncBatchNormModuleTest {

    /** A world of one rank that counts its exchanges. */
    static final class Alone implements AllGather {
        int calls;

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public double[][] allGather(double[] mine) {
            calls++;
            return new double[][] {mine.clone()};
        }
    }

    @Test
    void oneRankEqualsThePlainLayerAndExchangesOnlyInTraining() {
        float[] x = new RandomFill(5).normal(6 * 3 * 4 * 4);
        float[] dy = new RandomFill(6).normal(6 * 3 * 4 * 4);
        Alone alone = new Alone();
        try (BatchNorm plain = BatchNorm.batchNorm2d(TestBackends.REFERENCE, 3);
                BatchNorm synced = BatchNorm.batchNorm2d(TestBackends.REFERENCE, 3).sync(alone);
                Tensor in = TestBackends.REFERENCE.tensor(x, 6, 3, 4, 4);
                Tensor grad = TestBackends.REFERENCE.tensor(dy, 6, 3, 4, 4)) {
            float[] y0 = plain.forward(in).toArray();
            float[] y1 = synced.forward(in).toArray();
            float[] dx0 = plain.backward(grad).toArray();
            float[] dx1 = synced.backward(grad).toArray();
            assertEquals(2, alone.calls);
            assertArrayClose(y0, y1);
            assertArrayClose(dx0, dx1);
            assertArrayClose(plain.runningStats().var().toArray(), synced.runningStats().var().toArray());
            synced.eval();
            synced.forward(in);
            synced.train();
            synced.freeze(true);
            synced.forward(in);
            synced.backward(grad);
            assertEquals(2, alone.calls, "eval or frozen mode exchanged statistics");
        }
    }

    @Test
    void syncExcludesGhostAndRenorm() {
        try (BatchNorm a = BatchNorm.batchNorm2d(TestBackends.REFERENCE, 3).sync(new Alone());
                BatchNorm b = BatchNorm.batchNorm2d(TestBackends.REFERENCE, 3).ghost(2)) {
            assertThrows(IllegalStateException.class, () -> a.ghost(2));
            assertThrows(IllegalStateException.class, () -> a.renorm(BatchRenormSchedule.constant(3, 5)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.sync(new Alone()));
            assertTrue(e.getMessage().contains("excludes"), e.getMessage());
        }
    }

    private static void assertArrayClose(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(a[i])), "at " + i + ": " + a[i] + " vs " + b[i]);
        }
    }
}
