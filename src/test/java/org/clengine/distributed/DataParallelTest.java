package org.clengine.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.device.Device;
import org.clengine.device.DeviceGroup;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Sgd;
import org.clengine.nn.StateFile;
import org.clengine.testing.TestBackends;
import org.clengine.train.Models;
import org.clengine.train.Trainer;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel training over two sub-devices of the CPU device against single-device training on the same
 * 128-image batches: SyncBN plus gradients summed in rank order is the full-batch step, so the first 20 steps' losses
 * and every parameter and running statistic after each step agree within {@link Tolerance#DATA_PARALLEL}; and the
 * two replicas hold the same bits after every step.
 */
class DataParallelTest {
    static final int BATCH = 128, STEPS = 20;
    private static DeviceGroup group;
    private static final double[] WORST = {0};

    static synchronized DeviceGroup group() {
        TestBackends.openCl(); // skips (or fails under CI) without OpenCL
        if (group == null) group = DeviceGroup.open("cpu/2", 2);
        return group;
    }

    @AfterAll
    static synchronized void release() {
        if (group != null) group.close();
        group = null;
    }

    /** Images 1×8×8 whose class (of 4) shifts a quadrant's mean, so that training moves the loss. */
    static Dataset synthetic(int count, long seed) {
        RandomFill r = new RandomFill(seed);
        float[] images = r.normal(count * 64);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (int) Math.floorMod(r.nextLong(), 4L);
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    images[i * 64 + (y + 4 * (labels[i] / 2)) * 8 + x + 4 * (labels[i] % 2)] += 1.5f;
                }
            }
        }
        return new Dataset("synthetic", images, labels, count, 1, 8, 8, 4);
    }

    static Module cnn(Backend b, long seed) {
        return Models.build(Models.Kind.CNN, b, 1, 8, 8, 4, Models.Norm.BEFORE_RELU, seed);
    }

    @Test
    void twentyStepsOnTwoDevicesEqualOneDevice() {
        long seed = TestBackends.seed();
        Dataset data = synthetic(BATCH * 4, seed);
        Batches batches = new Batches(data, BATCH, true);
        LrSchedule schedule = LrSchedule.constant(0.05);
        List<Backend> backends = new ArrayList<>();
        for (Device d : group().devices()) backends.add(new OpenClBackend(d));
        List<String> failures = new ArrayList<>();
        double[] worst = {0};
        try (Module single = cnn(TestBackends.openCl(), seed);
                Sgd sgd = new Sgd(single.parameters(), 0.05, 0.9, 1e-4);
                Trainer one = new Trainer(single, sgd, schedule, BATCH);
                DataParallelTrainer two = new DataParallelTrainer(backends, b -> cnn(b, seed),
                        new DataParallelTrainer.SgdSettings(0.05, 0.9, 1e-4), schedule, BATCH,
                        Duration.ofSeconds(120))) {
            for (int step = 0; step < STEPS; step++) {
                int b = step % batches.count();
                if (b == 0) batches.shuffle(seed, step / batches.count());
                Trainer.Step expected = one.trainStep(batches, b);
                DataParallelRank.Step got = two.trainStep(batches, b);
                double lossErr = Math.abs(got.loss() - expected.loss()) / Math.abs(expected.loss());
                if (!(lossErr <= Tolerance.DATA_PARALLEL.relL2())) {
                    failures.add("step " + step + " loss " + got.loss() + " vs " + expected.loss());
                }
                compareStates("step " + step, single, two, failures);
                worst[0] = Math.max(worst[0], lossErr);
            }
            if (Boolean.getBoolean("clengine.exactness.print")) {
                System.out.println("worst loss error " + worst[0] + ", worst state relL2 " + WORST[0]);
            }
        }
        assertTrue(failures.isEmpty(), "seed=" + seed + ":\n" + String.join("\n", failures));
    }

    private static void compareStates(String step, Module single, DataParallelTrainer two, List<String> failures) {
        Map<String, float[]> expected = state(single);
        Map<String, float[]> rank0 = state(two.model(0));
        Map<String, float[]> rank1 = state(two.model(1));
        assertEquals(expected.keySet(), rank0.keySet());
        for (var e : expected.entrySet()) {
            if (!java.util.Arrays.equals(rank0.get(e.getKey()), rank1.get(e.getKey()))) {
                failures.add(step + " " + e.getKey() + ": the replicas differ in bits");
            }
            if (e.getKey().endsWith("num_batches_tracked")) continue;
            Comparison c = Comparison.of(e.getKey(), e.getValue(), rank0.get(e.getKey()), Tolerance.DATA_PARALLEL);
            if (c.status() != Comparison.Status.PASS) failures.add(step + " " + c);
            WORST[0] = Math.max(WORST[0], c.relL2());
        }
    }

    static Map<String, float[]> state(Module m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        StateFile.tensors(m).forEach((k, t) -> out.put(k, t.toArray()));
        return out;
    }
}
