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
import org.clengine.batchnorm.BatchRenorm;
import org.clengine.batchnorm.BatchRenormSaved;
import org.clengine.batchnorm.BatchRenormTraining;
import org.clengine.batchnorm.GhostBatchNormTraining;
import org.clengine.batchnorm.MomentumConvention;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchNormSkipFuzzTest}'s property for ghost batch norm (one running update per virtual batch) and batch
 * renormalization, on random batches with NaN, ±Inf and overflowing values in random channels, both backends, each
 * case run from the same start under PROPAGATE and SKIP: SKIP never leaves a non-finite running value; a channel
 * whose every update is finite under PROPAGATE gets bitwise that result under SKIP and no skip; a channel counts
 * exactly the virtual batches whose statistics (in double, as fp32) or update are not finite, folded in order as
 * {@link BatchNormRunningStats.Update#apply} does; both backends count the same. CI runs 3,000 cases (at most 30
 * s); {@code -Dclengine.fuzz.cases=10000 -Dclengine.fuzz.seconds=100000} a long run (tally in target/fuzz/).
 */
class GhostRenormSkipFuzzTest {
    private static final float[] BAD = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -3e38f};
    private static final int[] HW = {1, 2, 3, 5, 16, 17};

    @Test
    void skipNeverLeavesANonFiniteRunningValue() {
        FuzzRun run = new FuzzRun("batchnorm-skip-ghost-renorm", 3_000, 15);
        while (run.next()) one(run, run.random.split());
        run.finish();
    }

    /** A case: shape, input, start, config, and v (samples per virtual batch; 0 for renorm). */
    private record Case(int[] dims, float[] x, float[] mean, float[] var, BatchNormConfig cfg, int v) {
        int groups() {
            return v == 0 ? 1 : dims[0] / v;
        }

        int samples() {
            return v == 0 ? dims[0] : v;
        }
    }

    private static void one(FuzzRun run, SplittableRandom r) {
        int n = 2 + r.nextInt(8), c = 1 + r.nextInt(7), hw = HW[r.nextInt(HW.length)];
        int[] dims = hw == 1 && r.nextBoolean() ? new int[] {n, c} : new int[] {n, c, 1, hw};
        float[] x = new float[n * c * hw];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3 + (i / hw % c));
        for (int k = r.nextInt(4); k > 0; k--) x[r.nextInt(x.length)] = BAD[r.nextInt(BAD.length)];
        float[] mean = new float[c], var = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = (float) r.nextGaussian();
            var[i] = (float) (0.1 + r.nextDouble());
        }
        int v = 0;
        if (r.nextBoolean()) {
            do v = 1 + r.nextInt(n); while (n % v != 0 || v * hw < 2);
        }
        Double[] momenta = {0.1, 0.5, 1.0, 0.0, v == 0 ? 0.1 : null};
        Case k = new Case(dims, x, mean, var, BatchNormConfig.DEFAULT.withMomentum(momenta[r.nextInt(5)])
                .withConvention(r.nextBoolean() ? MomentumConvention.PYTORCH : MomentumConvention.ONNX), v);
        int[] expected = expectedSkips(k);
        List<float[][]> results = new ArrayList<>();
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            float[][] propagate = step(b, k, k.cfg());
            float[][] skip = step(b, k, k.cfg().withUpdate(RunningUpdatePolicy.SKIP));
            String where = b.name() + (v == 0 ? " renorm " : " ghost V=" + v + " ") + Arrays.toString(dims) + " "
                    + k.cfg() + " x=" + Arrays.toString(x);
            if (!check(run, where, k, expected, propagate, skip)) return;
            results.add(skip);
        }
        if (!Arrays.equals(results.get(0)[2], results.get(1)[2])) {
            run.fail("skip counts differ: reference " + Arrays.toString(results.get(0)[2]) + ", OpenCL "
                    + Arrays.toString(results.get(1)[2]) + " for " + Arrays.toString(dims) + " V=" + v);
            return;
        }
        run.ran();
    }

    /** One ghost or renorm training step from (mean, var): {running mean, running var, skip counts}. */
    private static float[][] step(Backend b, Case k, BatchNormConfig cfg) {
        int c = k.dims()[1];
        try (TensorScope sc = new TensorScope(b.memory())) {
            BatchNormRunningStats stats = sc.add(new BatchNormRunningStats(sc.tensor(k.mean(), c),
                    sc.tensor(k.var(), c), sc.full(0f, c), 0));
            int[] statDims = k.v() == 0 ? new int[] {c} : new int[] {k.groups(), c};
            BatchNormSaved saved = sc.add(new BatchNormSaved(sc.full(Float.NaN, statDims),
                    sc.full(Float.NaN, statDims), sc.full(Float.NaN, statDims)));
            BatchNormTraining call = BatchNormTraining.of(sc.full(Float.NaN, k.dims()), saved,
                    sc.tensor(k.x(), k.dims())).running(stats).config(cfg);
            if (k.v() == 0) {
                b.batchNorm().forwardTrainingRenorm(new BatchRenormTraining(call, new BatchRenorm(3, 5),
                        sc.add(BatchRenormSaved.allocate(b.memory(), c))));
            } else {
                b.batchNorm().forwardTrainingGhost(new GhostBatchNormTraining(call, k.v()));
            }
            return new float[][] {stats.mean().toArray(), stats.var().toArray(), stats.skipped().toArray()};
        }
    }

    /** Per channel, the skips SKIP takes: each virtual batch's statistics in double, folded in order. */
    private static int[] expectedSkips(Case k) {
        int c = k.dims()[1], hw = k.x().length / (k.dims()[0] * c);
        long m = (long) k.samples() * hw;
        float[] mean = k.mean().clone(), var = k.var().clone();
        float[] skips = new float[c];
        for (int g = 0; g < k.groups(); g++) {
            BatchNormRunningStats.Update u = BatchNormRunningStats.update(k.cfg().withUpdate(
                    RunningUpdatePolicy.SKIP), g + 1, m);
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int n = g * k.samples(); n < (g + 1) * k.samples(); n++) {
                    for (int i = 0; i < hw; i++) sum += k.x()[(n * c + ch) * hw + i];
                }
                double bm = sum / m;
                for (int n = g * k.samples(); n < (g + 1) * k.samples(); n++) {
                    for (int i = 0; i < hw; i++) sq += Math.pow(k.x()[(n * c + ch) * hw + i] - bm, 2);
                }
                u.apply(mean, var, skips, ch, bm, sq / m);
            }
        }
        int[] out = new int[c];
        for (int ch = 0; ch < c; ch++) out[ch] = (int) skips[ch];
        return out;
    }

    private static boolean check(FuzzRun run, String where, Case k, int[] expected, float[][] propagate,
            float[][] skip) {
        for (int c = 0; c < expected.length; c++) {
            float[] got = {skip[0][c], skip[1][c], skip[2][c]};
            String bad = null;
            if (!Float.isFinite(got[0]) || !Float.isFinite(got[1])) bad = "a non-finite running value";
            if (got[2] != expected[c]) bad = expected[c] + " skips expected";
            boolean propagateFinite = Float.isFinite(propagate[0][c]) && Float.isFinite(propagate[1][c]);
            if (expected[c] == 0 && !(propagateFinite && got[0] == propagate[0][c] && got[1] == propagate[1][c])) {
                bad = "PROPAGATE's update " + propagate[0][c] + ", " + propagate[1][c] + " expected (no skip)";
            }
            if (expected[c] == k.groups() && !(got[0] == k.mean()[c] && got[1] == k.var()[c])) {
                bad = "the start " + k.mean()[c] + ", " + k.var()[c] + " expected (every update skipped)";
            }
            if (bad != null) {
                run.fail(where + ": channel " + c + " under SKIP (mean, var, skips) " + Arrays.toString(got) + ": "
                        + bad);
                return false;
            }
        }
        return true;
    }
}
