package org.clengine.fuzz;

import static org.clengine.fuzz.Extremes.pick;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.MomentumConvention;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * Batch normalization with extreme shapes, eps and momentum (issue 18: eps = 1e-300 gave NaN on the device and 0
 * on the reference) on both backends: training, inference and backward, every fusion, affine or not, with running
 * statistics or not, an output now and then sharing an input's storage. Each runs alike or is refused alike. dx is
 * compared against the scale of its terms (the inputs are O(1)), not its own: over two values per channel it is a
 * cancellation of O(1) terms down to 1e-5, whose last digits are rounding noise on either backend.
 */
class BatchNormFuzzTest {
    private static final long RUN_ELEMENTS = 1 << 13;
    private static final double[] EPS = {1e-5, 1e-3, 1, 1e-300, 1e-40, 1e-45, Float.MIN_NORMAL, 1.2e-38, 3e38,
        Float.MAX_VALUE, 1e39, 0, -1e-5, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE};
    private static final Double[] MOMENTUM = {0.1, 0.0, 1.0, null, 1e-300, 1e-39, (double) Float.MIN_NORMAL, 0.5,
        -0.1, 1.5, Double.NaN, 1 - 1e-12};

    @Test
    void extremeBatchNormsRunAlikeOrAreRefusedAlike() {
        FuzzRun run = new FuzzRun("batchnorm", 30_000, 15);
        while (run.next()) one(run, run.random.split());
        run.finish();
    }

    private static void one(FuzzRun run, SplittableRandom r) {
        double p = 0.07;
        int rank = 2 + r.nextInt(3);
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = pick(r, p, 1, i == 1 ? 5 : 4);
        BatchNormConfig config;
        try {
            config = new BatchNormConfig(r.nextInt(3) == 0 ? EPS[r.nextInt(EPS.length)] : 1e-5,
                    r.nextInt(3) == 0 ? MOMENTUM[r.nextInt(MOMENTUM.length)] : Double.valueOf(0.1),
                    MomentumConvention.values()[r.nextInt(MomentumConvention.values().length)],
                    BatchNormFusion.values()[r.nextInt(BatchNormFusion.values().length)]);
        } catch (IllegalArgumentException refused) {
            run.refused();
            return;
        }
        long e = Extremes.elements(dims);
        if (e <= 0 || e > RUN_ELEMENTS) {
            try {
                BatchNormShape.of(dims);
                run.recordOnly();
            } catch (IllegalArgumentException refused) {
                run.refused();
            }
            return;
        }
        int op = r.nextInt(3), alias = r.nextInt(12);
        boolean affine = r.nextBoolean(), running = r.nextBoolean();
        long seed = r.nextLong();
        // Bounds relative to at least 1 (the inputs' scale) in training as in backward: a batch mean that cancels
        // to ~0 (8 values of size 1 summing to 3e-7) carries fp32's absolute error of the sums, ~1e-8, which no
        // bound relative to the mean itself allows (seed 28846266680895: reference 4.1e-8, device 0).
        Differential.check(run, BatchNormShape.of(dims) + " " + config + " op " + op + " affine " + affine
                + " running " + running + " alias " + alias,
                (b, sc) -> call(b, sc, dims, config, op, affine, running, alias, seed), 2e-3, op == 1 ? 0 : 1);
    }

    /** Training (op 0), inference (1) or backward (2); alias 0 and 1 make an output share an input's storage. */
    private static List<float[]> call(Backend b, TensorScope sc, int[] dims, BatchNormConfig cfg, int op,
            boolean affine, boolean running, int alias, long seed) {
        SplittableRandom d = new SplittableRandom(seed);
        int c = dims[1], n = (int) Extremes.elements(dims);
        Tensor x = sc.tensor(Extremes.uniform(d, n), dims);
        Tensor z = cfg.fusion().hasResidual() ? sc.tensor(Extremes.uniform(d, n), dims) : null;
        Tensor gamma = affine ? sc.tensor(Extremes.uniform(d, c), c) : null;
        Tensor beta = affine ? sc.tensor(Extremes.uniform(d, c), c) : null;
        BatchNormRunningStats stats = running || op == 1 ? sc.add(new BatchNormRunningStats(
                sc.tensor(Extremes.uniform(d, c), c), sc.full(1.5f, c), 3)) : null;
        BatchNormSaved saved = new BatchNormSaved(sc.full(Float.NaN, c), sc.full(Float.NaN, c));
        Tensor y = alias == 0 ? x : alias == 1 && z != null ? z.view(dims) : sc.full(Float.NaN, dims);
        List<float[]> out = new ArrayList<>();
        if (op == 0 || op == 2) {
            b.batchNorm().forwardTraining(BatchNormTraining.of(y, saved, x).affine(gamma, beta).residual(z)
                    .running(stats).config(cfg));
        } else {
            b.batchNorm().forwardInference(BatchNormInference.of(y, x, stats).affine(gamma, beta).residual(z)
                    .config(cfg));
        }
        if (op == 2) {
            Tensor dy = sc.tensor(Extremes.uniform(d, n), dims);
            Tensor dx = alias == 2 ? dy : sc.full(Float.NaN, dims);
            Tensor dgamma = affine ? sc.full(Float.NaN, c) : null, dbeta = affine ? sc.full(Float.NaN, c) : null;
            Tensor dz = cfg.fusion().hasResidual() ? sc.full(Float.NaN, dims) : null;
            b.batchNorm().backward(BatchNormBackward.of(dx, dy, x, saved).affine(gamma, dgamma, dbeta)
                    .forwardOutput(y).residualGradient(dz).config(cfg));
            out.add(dx.toArray());
            if (dgamma != null) out.addAll(List.of(dgamma.toArray(), dbeta.toArray()));
            if (dz != null) out.add(dz.toArray());
            return out;
        }
        out.add(y.toArray());
        if (op == 0) out.addAll(List.of(saved.mean().toArray(), saved.invstd().toArray()));
        if (stats != null) out.addAll(List.of(stats.mean().toArray(), stats.var().toArray()));
        return out;
    }
}
