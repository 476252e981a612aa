package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.backend.OpenClBackend;
import org.clengine.testing.TestBackends;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.batchnorm.BatchNormVariant;
import org.clengine.batchnorm.BatchNormVerifier;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/** Precision, NaN, determinism and size on the OpenCL backend. */
class BatchNormNumericsTest {
    private final OpenClBackend device = TestBackends.openCl();
    private final long seed = TestBackends.seed();

    /**
     * Mean 1e4, std 1e-2: E[x²]−E[x]² in fp32 loses everything (x² has ulp 8, var is 1e-4), a plain fp32 two-pass
     * is off by about (ulp(mean)/std)² = 1e-2 relative. The pivot-shifted sums must give the variance to fp32
     * precision: invstd (eps tiny, so invstd = var^-1/2) and running_var within 1e-5 of the double reference.
     */
    @Test
    void largeMeanSmallSpreadKeepsTheVariance() {
        for (String d : List.of("mb32ic3ih17iw19", "mb1ic2ih256iw256", "mb4096ic5", "mb8ic1ih128iw100")) {
            BatchNormShape s = BatchNormShape.parse(d);
            RandomFill r = new RandomFill(seed);
            float[] x = r.perChannel(s.n(), s.c(), s.hw(), 0, 1e-2);
            for (int i = 0; i < x.length; i++) x[i] += 1e4f;
            BatchNormConfig cfg = BatchNormConfig.DEFAULT.withEps(1e-12);
            float[][] ref = stats(TestBackends.REFERENCE, s, x, cfg);
            float[][] got = stats(device, s, x, cfg);
            String[] names = {"mean", "invstd", "running_var"};
            for (int k = 0; k < 3; k++) {
                Comparison c = Comparison.of(names[k], ref[k], got[k], new org.clengine.verify.Tolerance(1e-5, 1e-5));
                assertTrue(c.passed(), d + " seed=" + seed + ": " + c);
            }
        }
    }

    /** Returns {mean, invstd, running var} after one training step. */
    private static float[][] stats(Backend b, BatchNormShape s, float[] x, BatchNormConfig cfg) {
        try (TensorScope scope = new TensorScope(b)) {
            Tensor mean = scope.full(Float.NaN, s.c());
            Tensor invstd = scope.full(Float.NaN, s.c());
            BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(b, s.c()));
            b.batchNormForwardTraining(scope.full(Float.NaN, s.dims()), mean, invstd, scope.tensor(x, s.dims()), null,
                    null, null, running, cfg);
            return new float[][] {mean.toArray(), invstd.toArray(), running.var().toArray()};
        }
    }

    /** A NaN in channel 1 makes channel 1's outputs NaN, and only channel 1's. */
    @Test
    void nanInOneChannelStaysInThatChannel() {
        BatchNormShape s = BatchNormShape.parse("mb3ic4ih5iw7");
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        in.x()[(1 * s.c() + 1) * s.hw() + 3] = Float.NaN; // n=1, c=1
        for (BatchNormVariant v : List.of(BatchNormVariant.TRAIN, BatchNormVariant.TRAIN_RELU,
                BatchNormVariant.BWD, BatchNormVariant.BWD_ADD_RELU)) {
            var got = BatchNormVerifier.outputs(device, in, v);
            String output = v.op == BatchNormOp.BACKWARD ? "dx" : "y";
            float[] out = got.get(output);
            for (int i = 0; i < out.length; i++) {
                boolean channel1 = (i / s.hw()) % s.c() == 1;
                assertEquals(channel1, Float.isNaN(out[i]), v.label() + " " + output + "[" + i + "] = " + out[i]);
            }
            if (v.op == BatchNormOp.FORWARD_TRAINING) {
                assertTrue(Float.isNaN(got.get("mean")[1]) && Float.isNaN(got.get("run_var")[1]), v.label());
                assertFalse(Float.isNaN(got.get("mean")[0]), v.label());
            }
        }
    }

    /** Same input, same bits: run after run, and whatever local size and span the launch uses. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mb5ic6ih33iw31", "mb300ic40", "mb64ic9ih2iw3"})
    void bitwiseIdenticalWhateverTheLocalSize(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        long max = device.device().info().maxWorkGroupSize();
        List<int[]> locals = List.of(new int[] {1, 1}, new int[] {1, 1}, new int[] {2, 3}, new int[] {7, 64},
                new int[] {(int) Math.min(64, max), (int) Math.min(256, max)});
        for (BatchNormVariant v : List.of(BatchNormVariant.TRAIN, BatchNormVariant.TRAIN_ADD_RELU,
                BatchNormVariant.INFER_RELU, BatchNormVariant.BWD, BatchNormVariant.BWD_ADD_RELU)) {
            List<java.util.Map<String, float[]>> runs = new ArrayList<>();
            long span = 1;
            for (int[] local : locals) {
                long sp = span;
                device.adjustBatchNormTuning(t -> t.withLocalSizes(local[0], local[1]).withSpan(sp));
                try {
                    runs.add(BatchNormVerifier.outputs(device, in, v));
                } finally {
                    device.adjustBatchNormTuning(t -> t);
                }
                span = span * 7 + 1;
            }
            for (var run : runs.subList(1, runs.size())) {
                for (String k : run.keySet()) {
                    assertArrayEquals(runs.get(0).get(k), run.get(k), v.label() + " " + k + " differs between runs");
                }
            }
        }
    }

    /**
     * N×C input in one row chunk runs each direction in one launch; its bits are the three-kernel positions path's,
     * tails of fewer than 16 channels and C = 1 included, for every variant.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mb128ic2048", "mb7ic37", "mb2ic1", "mb31ic16",
        "mb256ic3", "mb5ic1000"})
    void singleLaunchPathIsBitwiseTheThreeKernelPath(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        for (BatchNormVariant v : BatchNormVariant.values()) {
            List<java.util.Map<String, float[]>> runs = new ArrayList<>();
            for (boolean single : new boolean[] {true, false}) {
                device.adjustBatchNormTuning(t -> t.withRows(1024).withSingle(single));
                try {
                    runs.add(BatchNormVerifier.outputs(device, in, v));
                } finally {
                    device.adjustBatchNormTuning(t -> t);
                }
            }
            for (String k : runs.get(0).keySet()) {
                assertArrayEquals(runs.get(1).get(k), runs.get(0).get(k), v.label() + " " + k + " differs");
            }
        }
        for (String k : List.of("batchnorm_fwd_train_single", "batchnorm_infer_single", "batchnorm_bwd_single")) {
            assertTrue(org.clengine.device.Device.launchedKernels().contains(k), k + " never ran");
        }
    }

    /** Positions-path work-items of 1 to 5 blocks of 16 positions write the same bits, tails included. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mb7ic37", "mb300ic40", "mb9ic2ih3iw3", "mb4ic70iw5"})
    void bitwiseIdenticalWhateverThePositionBlocks(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        for (BatchNormVariant v : BatchNormVariant.values()) {
            List<java.util.Map<String, float[]>> runs = new ArrayList<>();
            for (int blocks = 1; blocks <= 5; blocks++) {
                int b = blocks;
                device.adjustBatchNormTuning(t -> t.withPositionsPath(true).withPosBlocks(b));
                try {
                    runs.add(BatchNormVerifier.outputs(device, in, v));
                } finally {
                    device.adjustBatchNormTuning(t -> t);
                }
            }
            for (var run : runs.subList(1, runs.size())) {
                for (String k : run.keySet()) {
                    assertArrayEquals(runs.get(0).get(k), run.get(k), v.label() + " " + k + " differs");
                }
            }
        }
    }

    /** A 308 MB tensor (mb96ic256ih56iw56): forward training and backward against the reference. */
    @Test
    void severalHundredMegabytes() {
        BatchNormShape s = BatchNormShape.parse("mb96ic256ih56iw56");
        RandomFill r = new RandomFill(seed);
        int e = (int) s.elements();
        float[] x = r.uniform(e, -2, 3);
        float[] dy = r.uniform(e, -1, 1);
        float[] gamma = r.uniform(s.c(), 0.5, 1.5);
        float[] beta = r.normal(s.c());
        float[][] expected = bigRun(TestBackends.REFERENCE, s, x, dy, gamma, beta);
        float[][] got = bigRun(device, s, x, dy, gamma, beta);
        String[] names = {"y", "mean", "invstd", "dx", "dgamma", "dbeta"};
        for (int k = 0; k < names.length; k++) {
            var tol = k < 3 ? org.clengine.verify.Tolerance.BATCHNORM_FORWARD
                    : org.clengine.verify.Tolerance.BATCHNORM_BACKWARD;
            Comparison c = Comparison.of(names[k], expected[k], got[k], tol);
            assertTrue(c.passed(), s + " seed=" + seed + ": " + c);
        }
    }

    private static float[][] bigRun(Backend b, BatchNormShape s, float[] x, float[] dy, float[] gamma, float[] beta) {
        try (TensorScope scope = new TensorScope(b)) {
            Tensor xt = scope.tensor(x, s.dims());
            Tensor y = scope.full(Float.NaN, s.dims());
            Tensor mean = scope.full(Float.NaN, s.c());
            Tensor invstd = scope.full(Float.NaN, s.c());
            Tensor g = scope.tensor(gamma, s.c());
            b.batchNormForwardTraining(y, mean, invstd, xt, g, scope.tensor(beta, s.c()), null, null,
                    BatchNormConfig.DEFAULT);
            float[] yHost = y.toArray();
            y.close();
            Tensor dx = scope.full(Float.NaN, s.dims());
            Tensor dgamma = scope.full(Float.NaN, s.c());
            Tensor dbeta = scope.full(Float.NaN, s.c());
            b.batchNormBackward(dx, dgamma, dbeta, null, scope.tensor(dy, s.dims()), xt, null, g, mean, invstd,
                    BatchNormConfig.DEFAULT);
            return new float[][] {yHost, mean.toArray(), invstd.toArray(), dx.toArray(), dgamma.toArray(),
                    dbeta.toArray()};
        }
    }
}
