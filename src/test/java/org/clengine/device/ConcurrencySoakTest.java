package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/** Several threads on one engine, and a long mixed run that must not leak. */
class ConcurrencySoakTest {
    private static final int[] X = {3, 5, 9, 11};
    private static final int[] W = {4, 5, 3, 3};

    /** Four threads sharing one backend get bit for bit what one thread gets. */
    @Test
    void threadsGetTheSameResultsAsOneThread() throws Exception {
        OpenClBackend b = TestBackends.openCl();
        long seed = TestBackends.seed();
        List<float[]> alone = new ArrayList<>();
        for (int t = 0; t < 4; t++) alone.add(step(b, seed + t));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 10; round++) {
                List<Future<float[]>> together = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long s = seed + t;
                    together.add(pool.submit(() -> step(b, s)));
                }
                for (int t = 0; t < 4; t++) {
                    assertArrayEquals(alone.get(t), together.get(t).get(), "thread " + t + " round " + round
                            + " seed=" + seed);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /** BN forward (relu) → backward → conv forward on a thread's own tensors; returns everything it produced. */
    private static float[] step(OpenClBackend b, long seed) {
        RandomFill r = new RandomFill(seed);
        try (TensorScope s = new TensorScope(b.memory())) {
            Tensor x = s.tensor(r.normal(Tensor.elementCount(X)), X);
            Tensor y = s.full(Float.NaN, X);
            Tensor mean = s.full(Float.NaN, 5), invstd = s.full(Float.NaN, 5);
            Tensor gamma = s.tensor(r.uniform(5, 0.5, 1.5), 5), beta = s.tensor(r.normal(5), 5);
            BatchNormRunningStats run = s.add(BatchNormRunningStats.create(b.memory(), 5));
            BatchNormConfig cfg = BatchNormConfig.DEFAULT.withFusion(BatchNormFusion.RELU);
            BatchNormSaved saved = new BatchNormSaved(mean, invstd);
            b.batchNorm().forwardTraining(BatchNormTraining.of(y, saved, x).affine(gamma, beta).running(run)
                    .config(cfg));
            Tensor dx = s.full(Float.NaN, X), dg = s.full(Float.NaN, 5), db = s.full(Float.NaN, 5);
            b.batchNorm().backward(BatchNormBackward.of(dx, s.tensor(r.normal(Tensor.elementCount(X)), X), x, saved)
                    .affine(gamma, dg, db).forwardOutput(y).config(cfg));
            Tensor conv = s.full(Float.NaN, 3, 4, 9, 11);
            b.conv2d().forward(conv, y, s.tensor(r.normal(Tensor.elementCount(W)), W), null,
                    Conv2dParams.DEFAULT.withPadding(1, 1));
            float[][] parts = {y.toArray(), run.var().toArray(), dx.toArray(), dg.toArray(), conv.toArray()};
            int n = 0;
            for (float[] p : parts) n += p.length;
            float[] all = new float[n];
            int at = 0;
            for (float[] p : parts) {
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
            return all;
        }
    }

    /**
     * 10,000 mixed operations (BN training/inference/backward, convolution, copy), each allocating and releasing
     * its tensors: live buffers return to where they were and resident memory grows by less than 64 MiB. Bounded
     * in time: it must finish within two minutes.
     */
    @Test
    void tenThousandMixedOperationsStayFlat() throws Exception {
        OpenClBackend b = TestBackends.openCl();
        Device d = b.device();
        RandomFill r = new RandomFill(TestBackends.seed());
        float[] data = r.normal(Tensor.elementCount(X));
        float[] weights = r.normal(Tensor.elementCount(W));
        mixed(b, data, weights, 500); // warm: scratch buffers, programs, JIT
        int buffers = d.liveBuffers();
        long rss = residentKib();
        long start = System.nanoTime();
        mixed(b, data, weights, 10_000);
        double seconds = (System.nanoTime() - start) / 1e9;
        long grown = residentKib() - rss;
        assertEquals(buffers, d.liveBuffers(), "live buffers after 10,000 operations");
        assertTrue(grown < 64 * 1024, "resident memory grew by " + grown + " KiB");
        assertTrue(seconds < 120, "10,000 operations took " + seconds + " s");
    }

    private static void mixed(OpenClBackend b, float[] data, float[] weights, int n) {
        for (int i = 0; i < n; i++) {
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor x = s.tensor(data, X);
                Tensor y = s.full(0f, X);
                Tensor m = s.full(0f, 5), v = s.full(1f, 5);
                switch (i % 5) {
                    case 0 -> b.batchNorm().forwardTraining(BatchNormTraining.of(y, new BatchNormSaved(m, v), x));
                    case 1 -> b.batchNorm().forwardInference(BatchNormInference.of(y, x,
                            new BatchNormRunningStats(m, v, 0)));
                    case 2 -> b.batchNorm().backward(BatchNormBackward.of(y, x, x, new BatchNormSaved(m, v)));
                    case 3 -> b.conv2d().forward(s.full(0f, 3, 4, 7, 9), x, s.tensor(weights, W), null,
                            Conv2dParams.DEFAULT);
                    default -> b.elementwise().copy(y, x);
                }
                if (i % 1000 == 0) b.finish();
            }
        }
        b.finish();
    }

    private static long residentKib() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }
}
