package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.clengine.batchnorm.BatchNormExactnessTest.Float64;
import org.clengine.batchnorm.BatchNormExactnessTest.Inputs;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.DeviceGroup;
import org.clengine.device.KernelFamily;
import org.clengine.distributed.DataParallelRank;
import org.clengine.distributed.LocalCollective;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Synchronized batch norm (issue 16) over two ranks on two sub-devices of the CPU device (and on the reference),
 * each rank a thread with a slice of the batch (unequal slices included): every output of forward and backward within
 * {@link Tolerance#SYNC_BATCHNORM} of a float64 computation on the concatenated batch, in both regimes of
 * {@link BatchNormExactnessTest} plus mean 1e4 / std 1e-2, on every path and both kernel families; and bitwise the
 * same over 10 reruns with random delays before each rank's calls, whichever rank finishes first.
 */
class SyncBatchNormTest {
    private static final double[][] REGIMES = {{1, 1}, {1e4, 1e-2}};
    private static final List<String> SHAPES = List.of("mb13ic5ih3iw7", "mb64ic6", "mb9ic4ih17iw19");
    private static DeviceGroup group;

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

    /** Rank r's implementation for each variant under test. */
    static Map<String, IntFunction<BatchNormOps>> implementations() {
        Map<String, IntFunction<BatchNormOps>> impls = new LinkedHashMap<>();
        impls.put("reference", r -> TestBackends.REFERENCE.batchNorm());
        DeviceGroup g = group();
        impls.put("opencl cpu/2 cpu family", r -> new BatchNormOpenCl(g.devices().get(r),
                BatchNormPolicy.defaults(KernelFamily.CPU, g.devices().get(r).info())));
        impls.put("opencl cpu/2 cpu family positions path", r -> new BatchNormOpenCl(g.devices().get(r),
                BatchNormPolicy.defaults(KernelFamily.CPU, g.devices().get(r).info()).withFixed(
                        new BatchNormTuning(37, 29, 3, 5, 0, 3, 3).withPositionsPath(true))));
        impls.put("opencl cpu/2 gpu family", r -> new BatchNormOpenCl(g.devices().get(r),
                BatchNormPolicy.defaults(KernelFamily.GPU, g.devices().get(r).info())));
        return impls;
    }

    @TestFactory
    List<DynamicTest> everyOutputIsWithinTheTargetOfFloat64OnTheWholeBatch() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (var impl : implementations().entrySet()) {
            for (String d : SHAPES) {
                for (double[] regime : REGIMES) {
                    for (BatchNormFusion f : BatchNormFusion.values()) {
                        String name = impl.getKey() + " " + d + " mean " + regime[0] + " std " + regime[1] + " " + f
                                + " seed=" + seed;
                        tests.add(dynamicTest(name, () -> {
                            Inputs in = Inputs.random(BatchNormShape.parse(d), regime, seed);
                            check(name, Run.of(impl.getValue(), in, f, null), in, f);
                        }));
                    }
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> tenRerunsWithRandomDelaysGiveTheSameBits() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (var impl : implementations().entrySet()) {
            String name = impl.getKey() + " mb13ic5ih3iw7 ADD_RELU x10 seed=" + seed;
            tests.add(dynamicTest(name, () -> {
                Inputs in = Inputs.random(BatchNormShape.parse("mb13ic5ih3iw7"), REGIMES[1], seed);
                Random delays = new Random(seed);
                Run first = Run.of(impl.getValue(), in, BatchNormFusion.ADD_RELU, delays);
                for (int i = 1; i < 10; i++) {
                    Run again = Run.of(impl.getValue(), in, BatchNormFusion.ADD_RELU, delays);
                    assertEquals(first.digests(), again.digests(), name + ": rerun " + i + " differs");
                }
            }));
        }
        return tests;
    }

    private static void check(String name, Run got, Inputs in, BatchNormFusion f) {
        Float64 exact = Float64.training(in, true, f);
        exact.backward(in, true, f, got.y);
        Map<String, Double> err = new LinkedHashMap<>();
        err.put("y", BatchNormExactnessTest.relL2(got.y, exact.y));
        err.put("mean", relL2(got.exactMean, exact.mean));
        err.put("invstd", BatchNormExactnessTest.relL2(got.invstd, exact.invstd));
        err.put("run_mean", BatchNormExactnessTest.relL2(got.runMean, exact.runMean));
        err.put("run_var", BatchNormExactnessTest.relL2(got.runVar, exact.runVar));
        err.put("dx", BatchNormExactnessTest.relL2(got.dx, exact.dx));
        err.put("dgamma", relL2(got.dgamma, exact.dgamma));
        err.put("dbeta", relL2(got.dbeta, exact.dbeta));
        if (f.hasResidual()) err.put("dz", BatchNormExactnessTest.relL2(got.dz, exact.dz));
        if (Boolean.getBoolean("clengine.exactness.print")) System.out.println(name + " " + err);
        double limit = Tolerance.SYNC_BATCHNORM.relL2();
        for (var e : err.entrySet()) {
            assertTrue(e.getValue() <= limit, name + ": " + e.getKey() + " relative L2 error " + e.getValue() + " > "
                    + limit + "; all: " + err);
        }
    }

    private static double relL2(double[] got, double[] ref) {
        double e2 = 0, r2 = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = got[i] - ref[i];
            e2 += Double.isNaN(d) ? Double.POSITIVE_INFINITY : d * d;
            r2 += ref[i] * ref[i];
        }
        if (!(r2 > 0)) throw new AssertionError("the float64 result is all zeros: nothing would be checked");
        return Math.sqrt(e2 / r2);
    }

    /** One synchronized forward and backward over two ranks: the slices' outputs put back together. */
    static final class Run {
        float[] y, dx, dz, invstd, runMean, runVar;
        double[] exactMean, dgamma, dbeta;
        final List<String> digests = new ArrayList<>();

        List<String> digests() {
            return digests;
        }

        static Run of(IntFunction<BatchNormOps> impl, Inputs in, BatchNormFusion f, Random delays) {
            int ranks = 2;
            BatchNormShape whole = in.s();
            List<LocalCollective> group = LocalCollective.group(ranks, Duration.ofSeconds(60));
            float[][][] outs = new float[ranks][][];
            long[] sleeps = new long[2 * ranks];
            for (int i = 0; i < sleeps.length; i++) sleeps[i] = delays == null ? 0 : delays.nextInt(30);
            List<Thread> threads = new ArrayList<>();
            Throwable[] failed = new Throwable[ranks];
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(sleeps[2 * rank]);
                        outs[rank] = rank(impl.apply(rank), group.get(rank), in, f, sleeps[2 * rank + 1]);
                    } catch (Throwable e) {
                        failed[rank] = e;
                        group.get(rank).abort(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                try {
                    t.join(120_000);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            for (Throwable e : failed) if (e != null) throw new AssertionError("a rank failed: " + e, e);
            return combine(outs, whole);
        }

        /** One rank: {y, dx, dz, mean, offset, invstd, runMean, runVar, dgamma, dbeta} of its slice. */
        private static float[][] rank(BatchNormOps ops, LocalCollective ranks, Inputs in, BatchNormFusion f,
                long sleep) throws InterruptedException {
            BatchNormShape whole = in.s();
            int[] range = DataParallelRank.slice(whole.n(), ranks.worldSize(), ranks.rank());
            int per = Math.toIntExact(whole.elements() / whole.n());
            int[] dims = whole.dims().clone();
            dims[0] = range[1] - range[0];
            BatchNormConfig cfg = BatchNormConfig.DEFAULT.withFusion(f);
            try (TensorScope sc = new TensorScope(ops.memory())) {
                Tensor x = sc.tensor(Arrays.copyOfRange(in.x(), range[0] * per, range[1] * per), dims);
                Tensor z = f.hasResidual() ? sc.tensor(Arrays.copyOfRange(in.z(), range[0] * per, range[1] * per),
                        dims) : null;
                Tensor gamma = sc.tensor(in.gamma(), whole.c());
                Tensor beta = sc.tensor(in.beta(), whole.c());
                Tensor y = sc.full(Float.NaN, dims);
                BatchNormSaved saved = sc.add(BatchNormSaved.allocate(ops.memory(), whole.c()));
                BatchNormRunningStats run = sc.add(new BatchNormRunningStats(sc.full(0f, whole.c()),
                        sc.full(0f, whole.c()), 0));
                ops.forwardTrainingSync(BatchNormTraining.of(y, saved, x).affine(gamma, beta).residual(z).running(run)
                        .config(cfg), ranks);
                Thread.sleep(sleep);
                Tensor dx = sc.full(Float.NaN, dims);
                Tensor dz = f.hasResidual() ? sc.full(Float.NaN, dims) : null;
                Tensor dgamma = sc.full(Float.NaN, whole.c());
                Tensor dbeta = sc.full(Float.NaN, whole.c());
                Tensor dy = sc.tensor(Arrays.copyOfRange(in.dy(), range[0] * per, range[1] * per), dims);
                ops.backwardSync(BatchNormBackward.of(dx, dy, x, saved).affine(gamma, dgamma, dbeta).forwardOutput(y)
                        .residualGradient(dz).config(cfg), ranks);
                return new float[][] {y.toArray(), dx.toArray(), dz == null ? new float[0] : dz.toArray(),
                    saved.mean().toArray(), saved.offset().toArray(), saved.invstd().toArray(), run.mean().toArray(),
                    run.var().toArray(), dgamma.toArray(), dbeta.toArray()};
            }
        }

        private static Run combine(float[][][] outs, BatchNormShape whole) {
            Run run = new Run();
            run.y = concat(outs, 0);
            run.dx = concat(outs, 1);
            run.dz = concat(outs, 2);
            for (int k = 3; k < 8; k++) {
                assertArrayEquals(outs[0][k], outs[1][k], "the ranks' statistics " + k + " differ in bits");
            }
            run.exactMean = new double[whole.c()];
            for (int c = 0; c < whole.c(); c++) run.exactMean[c] = outs[0][3][c] + (double) outs[0][4][c];
            run.invstd = outs[0][5];
            run.runMean = outs[0][6];
            run.runVar = outs[0][7];
            run.dgamma = new double[whole.c()];
            run.dbeta = new double[whole.c()];
            for (float[][] rank : outs) {
                for (int c = 0; c < whole.c(); c++) {
                    run.dgamma[c] += rank[8][c];
                    run.dbeta[c] += rank[9][c];
                }
            }
            for (float[][] rank : outs) {
                for (float[] o : rank) run.digests.add(org.clengine.verify.Comparison.digest(o));
            }
            return run;
        }

        private static float[] concat(float[][][] outs, int k) {
            float[] all = new float[outs[0][k].length + outs[1][k].length];
            System.arraycopy(outs[0][k], 0, all, 0, outs[0][k].length);
            System.arraycopy(outs[1][k], 0, all, outs[0][k].length, outs[1][k].length);
            return all;
        }
    }
}
