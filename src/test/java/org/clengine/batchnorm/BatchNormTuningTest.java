package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.batchnorm.opencl.BatchNormTuner;
import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.batchnorm.opencl.BatchNormTuningStore;
import org.clengine.backend.OpenClBackend;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch norm's launch rule: how shapes follow from it, how a stored one reaches the engine, what the tuner tries. */
class BatchNormTuningTest {
    static final BatchNormTuning.Rule RULE = new BatchNormTuning.Rule(300, 77, 2, 8, 40, 16, 3);

    @Test
    void shapesFollowTheRule() {
        BatchNormTuning t = RULE.forShape(BatchNormShape.parse("mb32ic64ih56iw56"));
        assertEquals(3136, t.chunk(), "one row of 3136 values reaches the target of 300");
        assertEquals(77, t.span());
        assertEquals(40, t.rows());
        assertEquals(16, t.localPositions());
        assertEquals(3, t.posBlocks());
        assertEquals(49 * 7, RULE.forShape(BatchNormShape.parse("mb8ic3ih7iw7")).chunk(), "7 rows of 49 reach 300");
        assertEquals(300, RULE.forShape(BatchNormShape.parse("mb9000ic3")).chunk(), "300 rows of 1");
        assertEquals(98, RULE.forShape(BatchNormShape.parse("mb400000ic1")).rows(), "at most ~4096 row chunks");
        assertThrows(IllegalArgumentException.class, () -> new BatchNormTuning.Rule(128, 0, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new BatchNormTuning.Rule(128, 8, 1, 1, 1, 1, 9));
    }

    @Test
    void storedRuleRoundTripsAndReachesTheEngine(@TempDir Path dir) throws Exception {
        DeviceInfo info = TestBackends.openCl().device().info();
        Path f = BatchNormTuningStore.save(dir, info, RULE, "test");
        assertEquals(RULE, BatchNormTuningStore.load(dir, info).orElseThrow());
        try (Device d = Device.open(info, dir); OpenClBackend b = new OpenClBackend(d)) {
            assertEquals(RULE, b.batchNormRule());
            BatchNormShape s = BatchNormShape.parse("mb7ic13ih11iw17");
            assertEquals(RULE.forShape(s), b.batchNormTuning(s));
        }
        Files.writeString(f, "target=banana\n");
        assertTrue(BatchNormTuningStore.load(dir, info).isEmpty(), "a damaged file is ignored");
        try (Device d = Device.open(info, dir); OpenClBackend b = new OpenClBackend(d)) {
            assertEquals(BatchNormTuning.Rule.defaults(info), b.batchNormRule());
        }
    }

    /** Every rule the search may try is checked here on this device: none may give a wrong answer. */
    @Test
    void everyCandidatePassesItsChecks() {
        OpenClBackend device = TestBackends.openCl();
        DeviceInfo info = device.device().info();
        BatchNormTuner tuner = new BatchNormTuner(device, TestBackends.REFERENCE, System.out, TestBackends.seed(), 1);
        List<BatchNormTuning.Rule> candidates = BatchNormTuner.neighbours(BatchNormTuning.Rule.defaults(info),
                info.maxWorkGroupSize());
        assertTrue(candidates.size() >= 15, candidates.size() + " candidates");
        for (BatchNormTuning.Rule r : candidates) assertNull(tuner.check(r), r.label());
        assertEquals(BatchNormTuning.Rule.defaults(info), device.batchNormRule(), "the tuner put the rule back");
    }
}
