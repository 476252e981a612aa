package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clengine.backend.LaunchPolicy;
import org.clengine.batchnorm.opencl.BatchNormTuner;
import org.clengine.batchnorm.opencl.BatchNormTuningStore;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch norm's launch policy: how shapes follow from it, how a stored one reaches the engine, what the tuner tries. */
class BatchNormTuningTest {
    static final BatchNormPolicy POLICY = BatchNormPolicy.of(300, 77, 2, 8, 40, 16, 3);

    @Test
    void shapesFollowThePolicy() {
        BatchNormTuning t = POLICY.forShape(BatchNormShape.parse("mb32ic64ih56iw56"));
        assertEquals(3136, t.chunk(), "one row of 3136 values reaches the target of 300");
        assertEquals(77, t.span());
        assertEquals(40, t.rows());
        assertEquals(16, t.localPositions());
        assertEquals(3, t.posBlocks());
        assertEquals(49 * 7, POLICY.forShape(BatchNormShape.parse("mb8ic3ih7iw7")).chunk(), "7 rows of 49 reach 300");
        assertEquals(300, POLICY.forShape(BatchNormShape.parse("mb9000ic3")).chunk(), "300 rows of 1");
        assertEquals(98, POLICY.forShape(BatchNormShape.parse("mb400000ic1")).rows(), "at most ~4096 row chunks");
        assertThrows(IllegalArgumentException.class, () -> BatchNormPolicy.of(128, 0, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> BatchNormPolicy.of(128, 8, 1, 1, 1, 1, 9));
    }

    @Test
    void aFixedGeometryServesEveryShape() {
        BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3);
        BatchNormPolicy fixed = POLICY.withFixed(odd);
        assertEquals(odd, fixed.forShape(BatchNormShape.parse("mb32ic64ih56iw56")));
        assertEquals(odd, fixed.forShape(BatchNormShape.parse("mb9000ic3")));
        assertEquals(POLICY, fixed.withFixed(null));
    }

    /** The CPU family's values are the ones every CPU result's bits were measured with. */
    @Test
    void cpuDefaultsAreTheMeasuredOnes() {
        DeviceInfo info = TestBackends.device().info();
        assumeTrue(info.maxWorkGroupSize() >= 4, "a work-group limit below 4 cuts the local sizes");
        assertEquals(BatchNormPolicy.of(128, 4096, 4, 1, 256, 4, 4), BatchNormPolicy.defaults(KernelFamily.CPU, info));
    }

    @Test
    void storedPolicyRoundTripsAndReachesTheEngine(@TempDir Path dir) throws Exception {
        DeviceInfo info = TestBackends.device().info();
        Path f = BatchNormTuningStore.save(dir, info, POLICY, "test");
        assertEquals(POLICY, BatchNormTuningStore.load(dir, info).orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> BatchNormTuningStore.save(dir, info,
                POLICY.withFixed(POLICY.forShape(BatchNormShape.parse("mb2ic3"))), "test"));
        boolean own = KernelFamily.of(info) == (info.typeName().equals("cpu") ? KernelFamily.CPU : KernelFamily.GPU);
        assumeTrue(own, "the kernel family is forced to the other one: stored tunings are not used");
        try (Device d = Device.open(info, dir)) {
            assertEquals(POLICY, LaunchPolicy.forDevice(d).batchNorm());
        }
        Files.writeString(f, "target=banana\n");
        assertTrue(BatchNormTuningStore.load(dir, info).isEmpty(), "a damaged file is ignored");
        try (Device d = Device.open(info, dir)) {
            assertEquals(BatchNormPolicy.defaults(KernelFamily.of(info), info), LaunchPolicy.forDevice(d).batchNorm());
        }
    }

    /** Every policy the search may try is checked here on this device: none may give a wrong answer. */
    @Test
    void everyCandidatePassesItsChecks() {
        Device device = TestBackends.device();
        DeviceInfo info = device.info();
        BatchNormPolicy base = BatchNormPolicy.defaults(KernelFamily.of(info), info);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        BatchNormTuner tuner = new BatchNormTuner(device, base, quiet, TestBackends.seed(), 1);
        List<BatchNormPolicy> candidates = BatchNormTuner.neighbours(base, info.maxWorkGroupSize());
        assertTrue(candidates.size() >= 15, candidates.size() + " candidates");
        for (BatchNormPolicy p : candidates) assertNull(tuner.check(p), p.label());
    }
}
