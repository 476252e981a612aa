package org.clengine.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.MomentumConvention;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * Policy SKIP on random batches with NaN, ±Inf and overflowing values injected into random channels, on both
 * backends, each run from the same start under PROPAGATE and SKIP: SKIP never leaves a non-finite running value; a
 * channel whose batch statistics (in double, as fp32) and PROPAGATE update are finite gets bitwise that update
 * under SKIP and no skip; any other keeps its start bitwise and counts one skip; both backends skip the same
 * channels. CI runs 3,000 cases (at most 30 s); {@code
 * -Dclengine.fuzz.cases=10000 -Dclengine.fuzz.seconds=100000} the full 10,000 (tally in target/fuzz/).
 */
class BatchNormSkipFuzzTest {
    private static final float[] BAD = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -3e38f};
    private static final int[] HW = {1, 2, 3, 5, 16, 17, 33};

    @Test
    void skipNeverLeavesANonFiniteRunningValue() {
        FuzzRun run = new FuzzRun("batchnorm-skip", 3_000, 15);
        while (run.next()) one(run, run.random.split());
        run.finish();
    }

    private static void one(FuzzRun run, SplittableRandom r) {
        int n = 1 + r.nextInt(6), c = 1 + r.nextInt(9), hw = HW[r.nextInt(HW.length)];
        if (n * hw < 2) n = 2;
        int[] dims = hw == 1 && r.nextBoolean() ? new int[] {n, c} : new int[] {n, c, 1, hw};
        float[] x = new float[n * c * hw];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3 + (i / hw % c));
        for (int k = r.nextInt(4); k > 0; k--) x[r.nextInt(x.length)] = BAD[r.nextInt(BAD.length)];
        float[] mean = new float[c], var = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = (float) r.nextGaussian();
            var[i] = (float) (0.1 + r.nextDouble());
        }
        Double[] momenta = {0.1, 0.5, 1.0, 0.0, null};
        BatchNormConfig cfg = BatchNormConfig.DEFAULT.withMomentum(momenta[r.nextInt(momenta.length)])
                .withConvention(r.nextBoolean() ? MomentumConvention.PYTORCH : MomentumConvention.ONNX);
        List<float[][]> results = new ArrayList<>();
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            float[][] propagate = step(b, dims, x, mean, var, cfg);
            float[][] skip = step(b, dims, x, mean, var, cfg.withUpdate(RunningUpdatePolicy.SKIP));
            String where = b.name() + " " + Arrays.toString(dims) + " " + cfg + " x=" + Arrays.toString(x);
            if (!checkSkip(run, where, batchFinite(dims, x), mean, var, propagate, skip)) return;
            results.add(skip);
        }
        if (!Arrays.equals(results.get(0)[2], results.get(1)[2])) {
            run.fail("skip counts differ: reference " + Arrays.toString(results.get(0)[2]) + ", OpenCL "
                    + Arrays.toString(results.get(1)[2]) + " for " + Arrays.toString(dims) + " x="
                    + Arrays.toString(x));
            return;
        }
        run.ran();
    }

    /** One training step from (mean, var): {running mean, running var, skip counts}. */
    private static float[][] step(Backend b, int[] dims, float[] x, float[] mean, float[] var, BatchNormConfig cfg) {
        int c = dims[1];
        try (TensorScope sc = new TensorScope(b.memory())) {
            BatchNormRunningStats stats = sc.add(new BatchNormRunningStats(sc.tensor(mean, c), sc.tensor(var, c),
                    sc.full(0f, c), 0));
            b.batchNorm().forwardTraining(BatchNormTraining.of(sc.full(Float.NaN, dims),
                    sc.add(BatchNormSaved.allocate(b.memory(), c)), sc.tensor(x, dims)).running(stats).config(cfg));
            return new float[][] {stats.mean().toArray(), stats.var().toArray(), stats.skipped().toArray()};
        }
    }

    /** Per channel: whether the batch mean and biased variance, taken in double, are finite as fp32 values. */
    private static boolean[] batchFinite(int[] dims, float[] x) {
        int c = dims[1], hw = x.length / (dims[0] * c);
        boolean[] out = new boolean[c];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0, m = dims[0] * hw;
            for (int n = 0; n < dims[0]; n++) for (int i = 0; i < hw; i++) sum += x[(n * c + ch) * hw + i];
            double mean = sum / m;
            for (int n = 0; n < dims[0]; n++) {
                for (int i = 0; i < hw; i++) sq += Math.pow(x[(n * c + ch) * hw + i] - mean, 2);
            }
            out[ch] = Float.isFinite((float) mean) && Float.isFinite((float) (sq / m));
        }
        return out;
    }

    private static boolean checkSkip(FuzzRun run, String where, boolean[] batchFinite, float[] mean, float[] var,
            float[][] propagate, float[][] skip) {
        for (int c = 0; c < mean.length; c++) {
            boolean finite = batchFinite[c] && Float.isFinite(propagate[0][c]) && Float.isFinite(propagate[1][c]);
            float[] expected = finite ? new float[] {propagate[0][c], propagate[1][c], 0}
                    : new float[] {mean[c], var[c], 1};
            float[] got = {skip[0][c], skip[1][c], skip[2][c]};
            if (!Float.isFinite(got[0]) || !Float.isFinite(got[1]) || !Arrays.equals(expected, got)) {
                run.fail(where + ": channel " + c + " under SKIP (mean, var, skips) " + Arrays.toString(got)
                        + ", expected " + Arrays.toString(expected));
                return false;
            }
        }
        return true;
    }
}
