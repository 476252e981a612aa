package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Precision, NaN, determinism and size on the OpenCL backend. */
class BatchNormNumericsTest {
    private final BatchNormOpenCl device = new BatchNormOpenCl(TestBackends.device(),
            TestBackends.policy().batchNorm());
    private final BatchNormOps reference = TestBackends.REFERENCE.batchNorm();
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
            float[][] ref = stats(reference, s, x, cfg);
            float[][] got = stats(device, s, x, cfg);
            String[] names = {"mean", "invstd", "running_var"};
            for (int k = 0; k < 3; k++) {
                Comparison c = Comparison.of(names[k], ref[k], got[k], new Tolerance(1e-5, 1e-5));
                assertTrue(c.passed(), d + " seed=" + seed + ": " + c);
            }
        }
    }

    /** Returns {mean, invstd, running var} after one training step. */
    private static float[][] stats(BatchNormOps ops, BatchNormShape s, float[] x, BatchNormConfig cfg) {
        try (TensorScope scope = new TensorScope(ops.memory())) {
            BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
            BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(ops.memory(), s.c()));
            ops.forwardTraining(BatchNormTraining.of(scope.full(Float.NaN, s.dims()), saved, scope.tensor(x, s.dims()))
                    .running(running).config(cfg));
            return new float[][] {saved.mean().toArray(), saved.invstd().toArray(), running.var().toArray()};
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
    @ParameterizedTest
    @ValueSource(strings = {"mb5ic6ih33iw31", "mb300ic40", "mb64ic9ih2iw3"})
    void bitwiseIdenticalWhateverTheLocalSize(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        long max = TestBackends.device().info().maxWorkGroupSize();
        List<int[]> locals = List.of(new int[] {1, 1}, new int[] {1, 1}, new int[] {2, 3}, new int[] {7, 64},
                new int[] {(int) Math.min(64, max), (int) Math.min(256, max)});
        for (BatchNormVariant v : List.of(BatchNormVariant.TRAIN, BatchNormVariant.TRAIN_ADD_RELU,
                BatchNormVariant.INFER_RELU, BatchNormVariant.BWD, BatchNormVariant.BWD_ADD_RELU)) {
            List<Map<String, float[]>> runs = new ArrayList<>();
            long span = 1;
            for (int[] local : locals) {
                BatchNormPolicy p = device.policy().withLocalReduce(local[0]).withLocalPositions(local[0])
                        .withLocalApply(local[1]).withSpan(span);
                runs.add(BatchNormVerifier.outputs(device.withPolicy(p), in, v));
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
     * tails of fewer than 16 channels and C = 1 included, for every variant. Runs on a device of its own whose
     * listener sees that the single-launch kernels did run.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mb128ic2048", "mb7ic37", "mb2ic1", "mb31ic16", "mb256ic3", "mb5ic1000"})
    void singleLaunchPathIsBitwiseTheThreeKernelPath(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        Set<String> launched = ConcurrentHashMap.newKeySet();
        Device shared = TestBackends.device();
        try (Device own = Device.open(shared.info(), shared.programs().directory(),
                (kernel, options) -> launched.add(kernel.name()))) {
            // the CPU family's path: the GPU family's reductions take no single launch
            BatchNormPolicy base = device.policy().withReduction(BatchNormReduction.SERIAL).withRowsMin(1024);
            for (BatchNormVariant v : BatchNormVariant.values()) {
                List<Map<String, float[]>> runs = new ArrayList<>();
                for (boolean single : new boolean[] {true, false}) {
                    BatchNormPolicy p = base.withFixed(base.forShape(s).withSingle(single));
                    runs.add(BatchNormVerifier.outputs(new BatchNormOpenCl(own, p), in, v));
                }
                for (String k : runs.get(0).keySet()) {
                    assertArrayEquals(runs.get(1).get(k), runs.get(0).get(k), v.label() + " " + k + " differs");
                }
            }
        }
        for (String k : List.of("batchnorm_fwd_train_single", "batchnorm_infer_single", "batchnorm_bwd_single")) {
            assertTrue(launched.contains(k), k + " never ran");
        }
    }

    /** Positions-path work-items of 1 to 5 blocks of 16 positions write the same bits, tails included. */
    @ParameterizedTest
    @ValueSource(strings = {"mb7ic37", "mb300ic40", "mb9ic2ih3iw3", "mb4ic70iw5"})
    void bitwiseIdenticalWhateverThePositionBlocks(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed);
        for (BatchNormVariant v : BatchNormVariant.values()) {
            List<Map<String, float[]>> runs = new ArrayList<>();
            for (int blocks = 1; blocks <= 5; blocks++) {
                BatchNormPolicy p = device.policy().withPositionsBelow(Integer.MAX_VALUE).withPosBlocks(blocks);
                runs.add(BatchNormVerifier.outputs(device.withPolicy(p), in, v));
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
        float[][] expected = bigRun(reference, s, x, dy, gamma, beta);
        float[][] got = bigRun(device, s, x, dy, gamma, beta);
        String[] names = {"y", "mean", "invstd", "dx", "dgamma", "dbeta"};
        for (int k = 0; k < names.length; k++) {
            Tolerance tol = k < 3 ? Tolerance.BATCHNORM_FORWARD : Tolerance.BATCHNORM_BACKWARD;
            Comparison c = Comparison.of(names[k], expected[k], got[k], tol);
            assertTrue(c.passed(), s + " seed=" + seed + ": " + c);
        }
    }

    private static float[][] bigRun(BatchNormOps ops, BatchNormShape s, float[] x, float[] dy, float[] gamma,
            float[] beta) {
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor xt = scope.tensor(x, s.dims());
            Tensor y = scope.full(Float.NaN, s.dims());
            BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
            Tensor g = scope.tensor(gamma, s.c());
            ops.forwardTraining(BatchNormTraining.of(y, saved, xt).affine(g, scope.tensor(beta, s.c())));
            float[] yHost = y.toArray();
            y.close();
            Tensor dx = scope.full(Float.NaN, s.dims());
            Tensor dgamma = scope.full(Float.NaN, s.c());
            Tensor dbeta = scope.full(Float.NaN, s.c());
            ops.backward(BatchNormBackward.of(dx, scope.tensor(dy, s.dims()), xt, saved).affine(g, dgamma, dbeta));
            return new float[][] {yHost, saved.mean().toArray(), saved.invstd().toArray(), dx.toArray(),
                    dgamma.toArray(), dbeta.toArray()};
        }
    }
}
