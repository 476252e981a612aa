package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchRenorm;
import org.clengine.batchnorm.BatchRenormSchedule;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * The nn module's ghost and renorm options: where they must equal plain batch norm they do (a virtual batch of the
 * whole batch; renorm during its warm-up, r = 1 and d = 0), on both backends; where they must differ they do; the
 * running statistics count one batch per virtual batch; frozen overrides both; the options refuse bad values and
 * each other.
 */
class BatchNormVariantsModuleTest {
    private static final int[] DIMS = {8, 3, 4, 5};

    /** Two training steps (forward, backward) on fixed random data: every output, gradient and buffer. */
    private static Map<String, float[]> steps(Backend b, BatchNorm bn) {
        RandomFill rf = new RandomFill(7);
        Map<String, float[]> out = new LinkedHashMap<>();
        bn.train();
        for (int step = 0; step < 2; step++) {
            try (Tensor x = b.tensor(rf.perChannel(8, 3, 20, 3, 1), DIMS);
                    Tensor dy = b.tensor(rf.normal(8 * 3 * 20), DIMS)) {
                out.put("y" + step, bn.forward(x).toArray());
                out.put("dx" + step, bn.backward(dy).toArray());
                out.put("dgamma" + step, bn.parameters().get("weight").grad().toArray());
                out.put("dbeta" + step, bn.parameters().get("bias").grad().toArray());
            }
        }
        bn.buffers().forEach((k, t) -> out.put(k, t.toArray()));
        return out;
    }

    private static void assertClose(Map<String, float[]> want, Map<String, float[]> got, String what) {
        for (var e : want.entrySet()) {
            Comparison c = Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()), Tolerance.BATCHNORM_BACKWARD);
            assertTrue(c.passed(), what + ": " + c);
        }
    }

    private static List<Backend> backends() {
        return List.of(TestBackends.REFERENCE, TestBackends.openCl());
    }

    @Test
    void ghostWithTheWholeBatchIsPlainBatchNorm() {
        for (Backend b : backends()) {
            try (BatchNorm plain = BatchNorm.batchNorm2d(b, 3);
                    BatchNorm ghost = BatchNorm.batchNorm2d(b, 3).ghost(8)) {
                assertClose(steps(b, plain), steps(b, ghost), "ghost(8) of batch 8 on " + b.name());
            }
        }
    }

    @Test
    void renormDuringItsWarmUpIsPlainBatchNorm() {
        for (Backend b : backends()) {
            try (BatchNorm plain = BatchNorm.batchNorm2d(b, 3);
                    BatchNorm renorm = BatchNorm.batchNorm2d(b, 3).renorm(new BatchRenormSchedule(3, 5, 2, 10))) {
                assertClose(steps(b, plain), steps(b, renorm), "renorm in warm-up on " + b.name());
            }
        }
    }

    @Test
    void renormPastItsWarmUpAndGhostDifferFromPlainBatchNorm() {
        Backend b = TestBackends.openCl();
        try (BatchNorm plain = BatchNorm.batchNorm2d(b, 3);
                BatchNorm renorm = BatchNorm.batchNorm2d(b, 3).renorm(BatchRenormSchedule.constant(3, 5));
                BatchNorm ghost = BatchNorm.batchNorm2d(b, 3).ghost(2)) {
            Map<String, float[]> p = steps(b, plain);
            for (Map<String, float[]> other : List.of(steps(b, renorm), steps(b, ghost))) {
                Comparison c = Comparison.of("y1", p.get("y1"), other.get("y1"), Tolerance.BATCHNORM_BACKWARD);
                assertTrue(!c.passed(), "expected a different output: " + c);
            }
            assertEquals(2L * 8 / 2, ghost.counters().get("num_batches_tracked"), "one batch per virtual batch");
            assertEquals(2L, renorm.counters().get("num_batches_tracked"));
        }
    }

    /** Frozen takes precedence: a frozen ghost or renorm module is bitwise a frozen plain one, buffers included. */
    @Test
    void frozenIgnoresGhostAndRenorm() {
        for (Backend b : backends()) {
            try (BatchNorm plain = BatchNorm.batchNorm2d(b, 3);
                    BatchNorm ghost = BatchNorm.batchNorm2d(b, 3).ghost(2);
                    BatchNorm renorm = BatchNorm.batchNorm2d(b, 3).renorm(BatchRenormSchedule.constant(3, 5))) {
                for (BatchNorm bn : List.of(plain, ghost, renorm)) bn.freeze(true);
                Map<String, float[]> want = steps(b, plain);
                for (BatchNorm other : List.of(ghost, renorm)) {
                    Map<String, float[]> got = steps(b, other);
                    assertEquals(want.keySet(), got.keySet());
                    for (var e : want.entrySet()) {
                        assertArrayEquals(e.getValue(), got.get(e.getKey()), b.name() + " frozen "
                                + (other == ghost ? "ghost(2)" : "renorm") + ": " + e.getKey());
                    }
                    assertEquals(plain.counters(), other.counters(), "frozen tracks no batch");
                }
            }
        }
    }

    @Test
    void optionsRefuseBadValuesAndEachOther() {
        try (BatchNorm bn = BatchNorm.batchNorm2d(TestBackends.REFERENCE, 3)) {
            assertThrows(IllegalArgumentException.class, () -> bn.ghost(0));
            assertThrows(IllegalArgumentException.class, () -> bn.renorm(null));
            bn.ghost(2);
            assertThrows(IllegalStateException.class, () -> bn.renorm(BatchRenormSchedule.constant(3, 5)));
        }
        try (BatchNorm bn = BatchNorm.batchNorm2d(TestBackends.REFERENCE, 3).ghost(3);
                Tensor x = TestBackends.REFERENCE.tensor(new float[8 * 3 * 20], DIMS)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(x));
            assertTrue(e.getMessage().contains("virtualBatch 3 does not divide the batch of 8 samples"),
                    e.getMessage());
        }
    }

    @Test
    void scheduleWarmsUpThenGrowsLinearly() {
        BatchRenormSchedule s = new BatchRenormSchedule(3, 5, 10, 4);
        assertEquals(BatchRenorm.OFF, s.at(0));
        assertEquals(BatchRenorm.OFF, s.at(9));
        assertEquals(new BatchRenorm(1.5, 1.25), s.at(10));
        assertEquals(new BatchRenorm(3, 5), s.at(13));
        assertEquals(new BatchRenorm(3, 5), s.at(1000));
    }
}
