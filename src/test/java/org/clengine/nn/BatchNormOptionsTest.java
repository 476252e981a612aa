package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/** The nn module's options, on both backends: frozen (FrozenBatchNorm2d) and SKIP with its counter. */
class BatchNormOptionsTest {
    private final long seed = TestBackends.seed();

    @Test
    void frozenTrainsGammaAndBetaOnTheRunningStatistics() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (BatchNorm bn = BatchNorm.batchNorm2d(b, 3); TensorScope sc = new TensorScope(b.memory())) {
                RandomFill r = new RandomFill(seed);
                Tensor x = sc.tensor(r.perChannel(4, 3, 25, 3, 1), 4, 3, 5, 5);
                bn.train();
                bn.forward(x); // a normal step first: running statistics that are not the defaults
                float[] mean = bn.runningStats().mean().toArray(), var = bn.runningStats().var().toArray();
                long batches = bn.runningStats().batchesTracked();
                bn.eval();
                float[] eval = bn.forward(x).toArray();
                bn.train();
                bn.freeze(true);
                assertTrue(bn.frozen());
                float[] frozen = bn.forward(x).toArray();
                bn.backward(sc.tensor(r.normal(300), 4, 3, 5, 5));
                assertArrayEquals(eval, frozen, b.name() + ": frozen training forward differs from eval's");
                assertArrayEquals(mean, bn.runningStats().mean().toArray(), b.name() + ": running mean moved");
                assertArrayEquals(var, bn.runningStats().var().toArray(), b.name() + ": running var moved");
                assertEquals(batches, bn.runningStats().batchesTracked(), b.name());
                for (Parameter p : bn.parameters().values()) {
                    float[] g = p.grad().toArray();
                    assertTrue(g[0] != 0 && Float.isFinite(g[0]), b.name() + ": no gradient for gamma/beta");
                }
            }
        }
    }

    @Test
    void skipKeepsTheRunningStatisticsAndCountsTheSkips() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (BatchNorm bn = BatchNorm.batchNorm1d(b, 4); TensorScope sc = new TensorScope(b.memory())) {
                bn.runningUpdate(RunningUpdatePolicy.SKIP);
                bn.train();
                float[] x = new RandomFill(seed).normal(32);
                bn.forward(sc.tensor(x, 8, 4));
                x[4 + 1] = Float.NaN; // channel 1
                x[8 + 3] = Float.POSITIVE_INFINITY; // channel 3
                float[] before = bn.runningStats().mean().toArray();
                bn.forward(sc.tensor(x, 8, 4));
                float[] after = bn.runningStats().mean().toArray();
                assertEquals(2, bn.skippedUpdates(), b.name());
                assertEquals(before[1], after[1], b.name());
                assertEquals(before[3], after[3], b.name());
                for (float v : bn.runningStats().var().toArray()) assertTrue(Float.isFinite(v), b.name());
                bn.runningUpdate(RunningUpdatePolicy.PROPAGATE);
                bn.forward(sc.tensor(x, 8, 4));
                assertTrue(Float.isNaN(bn.runningStats().mean().toArray()[1]), b.name() + ": PROPAGATE kept");
                assertEquals(2, bn.skippedUpdates(), b.name());
            }
        }
    }
}
