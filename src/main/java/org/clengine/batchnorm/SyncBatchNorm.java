package org.clengine.batchnorm;

import org.clengine.core.AllGather;
import org.clengine.core.Memory;

/**
 * Synchronized batch norm's host half, the same for every backend: each rank's per-channel (count, mean, M2) are
 * gathered and merged in rank order by Chan's parallel formula in double (exact for unequal counts), then rounded
 * once to the fp32 mean with its offset (mean − fp32 mean, the saved offset of the single-device path) and invstd.
 * Backward sums every rank's (Σg, Σg·(x − μ)) in rank order in double and turns them into the coefficients of
 * batchnorm.cl's dx = a·g + b·(x − μ) + k, with M the global count. Since every rank merges the same gathered
 * numbers in the same order, every rank gets the same bits whichever finishes first.
 */
public final class SyncBatchNorm {
    private SyncBatchNorm() {
    }

    static void forward(BatchNormOps ops, BatchNormTraining call, AllGather ranks) {
        requireRanks(ranks);
        if (call != null && call.config().frozen()) {
            throw new IllegalArgumentException("a frozen batch norm uses its running statistics: nothing to "
                    + "synchronize; call forwardTraining");
        }
        if (call != null && call.saved() != null && call.saved().offset() == null) {
            throw new IllegalArgumentException("synchronized batch norm needs saved.offset for the merged mean");
        }
        Memory memory = ops.memory();
        BatchNormShape[] shape = new BatchNormShape[1];
        double[][] local = new double[1][];
        memory.exclusive(() -> {
            shape[0] = BatchNormArgs.checkTraining(memory, call);
            local[0] = ops.syncMoments(call, shape[0]);
        });
        double[] merged = merge(ranks.allGather(local[0]), shape[0].c());
        memory.exclusive(() -> {
            save(call, merged);
            ops.syncApply(call, shape[0]);
        });
    }

    static void backward(BatchNormOps ops, BatchNormBackward call, AllGather ranks) {
        requireRanks(ranks);
        if (call != null && call.config().frozen()) {
            throw new IllegalArgumentException("a frozen batch norm has constant statistics: call backward");
        }
        if (call != null && call.saved() != null && call.saved().offset() == null) {
            throw new IllegalArgumentException("synchronized batch norm needs saved.offset for the merged mean");
        }
        Memory memory = ops.memory();
        BatchNormShape[] shape = new BatchNormShape[1];
        double[][] local = new double[1][];
        memory.exclusive(() -> {
            shape[0] = BatchNormArgs.checkBackward(memory, call);
            local[0] = ops.syncGradientSums(call, shape[0]);
        });
        int c = shape[0].c();
        double[] mine = new double[3 * c];
        for (int i = 0; i < c; i++) {
            mine[3 * i] = shape[0].perChannel();
            mine[3 * i + 1] = local[0][2 * i];
            mine[3 * i + 2] = local[0][2 * i + 1];
        }
        double[] total = sum(ranks.allGather(mine), 3 * c);
        memory.exclusive(() -> ops.syncGradientApply(call, shape[0], gradients(call, local[0], total)));
    }

    /**
     * Chan et al.'s merge of per-rank (n, mean, M2) triples, channel by channel, in rank order: n = na + nb,
     * δ = mean_b − mean_a, mean = mean_a + δ·nb/n, M2 = M2_a + M2_b + δ²·na·nb/n. Returns 3·C values.
     */
    public static double[] merge(double[][] parts, int channels) {
        check(parts, 3 * channels);
        double[] out = parts[0].clone();
        for (int r = 1; r < parts.length; r++) {
            for (int c = 0; c < channels; c++) {
                double na = out[3 * c], nb = parts[r][3 * c], n = na + nb;
                double delta = parts[r][3 * c + 1] - out[3 * c + 1];
                out[3 * c + 1] += delta * (nb / n);
                out[3 * c + 2] += parts[r][3 * c + 2] + delta * delta * (na * nb / n);
                out[3 * c] = n;
            }
        }
        return out;
    }

    /** Element-wise sum over ranks in rank order, in double. */
    public static double[] sum(double[][] parts, int length) {
        check(parts, length);
        double[] out = parts[0].clone();
        for (int r = 1; r < parts.length; r++) {
            for (int i = 0; i < length; i++) out[i] += parts[r][i];
        }
        return out;
    }

    private static void check(double[][] parts, int length) {
        if (parts == null || parts.length == 0) throw new IllegalArgumentException("no ranks' statistics");
        for (int r = 0; r < parts.length; r++) {
            if (parts[r].length != length) {
                throw new IllegalStateException("rank " + r + " sent " + parts[r].length + " batch-norm statistics "
                        + "where " + length + " were expected: the ranks' batch norms differ in channels");
            }
        }
    }

    /** The merged statistics into saved (mean, invstd, offset), then the running statistics' one update. */
    private static void save(BatchNormTraining call, double[] merged) {
        int channels = merged.length / 3;
        float[] mean = new float[channels];
        float[] invstd = new float[channels];
        float[] offset = new float[channels];
        double[] var = new double[channels];
        for (int c = 0; c < channels; c++) {
            double m = merged[3 * c + 1];
            double v = merged[3 * c + 2] / merged[3 * c];
            var[c] = v < 0 ? 0 : v; // rounding only; keeps NaN
            mean[c] = (float) m;
            offset[c] = (float) (m - mean[c]);
            invstd[c] = (float) (1 / Math.sqrt(var[c] + call.config().eps()));
        }
        call.saved().mean().copyFrom(mean);
        call.saved().invstd().copyFrom(invstd);
        call.saved().offset().copyFrom(offset);
        BatchNormRunningStats running = call.running();
        if (running == null) return;
        BatchNormRunningStats.Update u = running.nextUpdate(call.config(), (long) merged[0]);
        float[] runMean = running.mean().toArray();
        float[] runVar = running.var().toArray();
        float[] skipped = running.skipped() == null ? null : running.skipped().toArray();
        for (int c = 0; c < channels; c++) {
            u.apply(runMean, runVar, skipped, c, mean[c] + (double) offset[c], var[c]);
        }
        running.mean().copyFrom(runMean);
        running.var().copyFrom(runVar);
        if (skipped != null) running.skipped().copyFrom(skipped);
    }

    /**
     * This rank's dgamma = invstd·Σg(x − μ) and dbeta = Σg (the ranks' gradients are summed by the trainer), and the
     * dx coefficients from the global sums: a = γ·invstd, b = −a·invstd²·ΣGx/M, k = −a·ΣG/M.
     */
    private static float[] gradients(BatchNormBackward call, double[] local, double[] total) {
        int channels = total.length / 3;
        float[] invstd = call.saved().invstd().toArray();
        float[] gamma = call.gamma() == null ? null : call.gamma().toArray();
        float[] dgamma = new float[channels];
        float[] dbeta = new float[channels];
        float[] coef = new float[3 * channels];
        for (int c = 0; c < channels; c++) {
            double is = invstd[c];
            dgamma[c] = (float) (is * local[2 * c + 1]);
            dbeta[c] = (float) local[2 * c];
            double count = total[3 * c];
            double a = (gamma == null ? 1 : gamma[c]) * is;
            coef[3 * c] = (float) a;
            coef[3 * c + 1] = (float) (-a * is * is * total[3 * c + 2] / count);
            coef[3 * c + 2] = (float) (-a * total[3 * c + 1] / count);
        }
        if (call.dgamma() != null) call.dgamma().copyFrom(dgamma);
        if (call.dbeta() != null) call.dbeta().copyFrom(dbeta);
        return coef;
    }

    private static void requireRanks(AllGather ranks) {
        if (ranks == null) throw new IllegalArgumentException("synchronized batch norm needs its ranks (null)");
    }
}
