package org.clengine.batchnorm;

import static org.clengine.core.HostTensor.data;

import java.util.List;

/**
 * Ghost batch norm and batch renormalization as plain math in double, the oracle for the batchnorm_ghost_* and
 * batchnorm_renorm_* kernels. Arrays are NCHW: x is (N, C, HW); a virtual batch g is samples [g·V, (g+1)·V);
 * ghost's saved statistics are (G, C). Self-contained (it does not call {@link BatchNormReference}), so that one
 * is no oracle for the other.
 */
public final class BatchNormVariantReference {
    private BatchNormVariantReference() {
    }

    static void forwardGhost(GhostBatchNormTraining ghost, BatchNormShape s) {
        BatchNormTraining call = ghost.call();
        int v = ghost.virtualBatch();
        BatchNormRunningStats running = call.running();
        BatchNormRunningStats.Update[] updates = new BatchNormRunningStats.Update[s.n() / v];
        for (int g = 0; running != null && g < updates.length; g++) {
            updates[g] = running.nextUpdate(call.config(), (long) v * s.hw());
        }
        forwardGhost(data(call.y()), data(call.saved().mean()), data(call.saved().invstd()),
                data(call.saved().offset()), running == null ? null : data(running.mean()),
                running == null ? null : data(running.var()), running == null ? null : data(running.skipped()),
                data(call.x()), data(call.gamma()), data(call.beta()), data(call.residual()), s, v,
                call.config().eps(), running == null ? null : List.of(updates), call.config().fusion());
    }

    /**
     * Ghost forward. y (N,C,HW); saveMean, saveInvstd (G,C); saveOffset (G,C) or null: the fp32 mean's rounding
     * error; runMean, runVar (C) or null, updated by {@code updates.get(g)} for g = 0, 1, ... in order, each under
     * its skip policy, counting skips in skipped (C) or null; x (N,C,HW); gamma, beta (C) or null; z or null.
     */
    public static void forwardGhost(float[] y, float[] saveMean, float[] saveInvstd, float[] saveOffset,
            float[] runMean, float[] runVar, float[] skipped, float[] x, float[] gamma, float[] beta, float[] z,
            BatchNormShape s, int v, double eps, List<BatchNormRunningStats.Update> updates, BatchNormFusion fusion) {
        int groups = s.n() / v;
        for (int g = 0; g < groups; g++) {
            for (int c = 0; c < s.c(); c++) {
                double[] mv = meanVar(x, s, c, g * v, v);
                double invstd = 1 / Math.sqrt(mv[1] + eps);
                saveMean[g * s.c() + c] = (float) mv[0];
                saveInvstd[g * s.c() + c] = (float) invstd;
                if (saveOffset != null) saveOffset[g * s.c() + c] = (float) (mv[0] - saveMean[g * s.c() + c]);
                if (runMean != null) updates.get(g).apply(runMean, runVar, skipped, c, mv[0], mv[1]);
                double gm = gamma == null ? 1 : gamma[c];
                double bt = beta == null ? 0 : beta[c];
                apply(y, x, z, s, c, g * v, v, mv[0], gm * invstd, bt, fusion);
            }
        }
    }

    static void backwardGhost(GhostBatchNormBackward ghost, BatchNormShape s) {
        BatchNormBackward call = ghost.call();
        BatchNormFusion fusion = call.config().fusion();
        backward(data(call.dx()), data(call.dgamma()), data(call.dbeta()), data(call.dresidual()), data(call.dy()),
                data(call.x()), fusion.hasRelu() ? data(call.y()) : null, data(call.gamma()),
                data(call.saved().mean()), data(call.saved().offset()), data(call.saved().invstd()), null, null, s,
                ghost.virtualBatch(), fusion);
    }

    static void forwardRenorm(BatchRenormTraining renorm, BatchNormShape s) {
        BatchNormTraining call = renorm.call();
        BatchNormRunningStats running = call.running();
        BatchNormRunningStats.Update u = running.nextUpdate(call.config(), s.perChannel());
        forwardRenorm(data(call.y()), data(call.saved().mean()), data(call.saved().invstd()),
                data(call.saved().offset()), data(renorm.corrections().r()), data(renorm.corrections().d()),
                data(running.mean()), data(running.var()), data(running.skipped()), data(call.x()),
                data(call.gamma()), data(call.beta()), data(call.residual()), s, call.config().eps(), renorm.limits(), u, call.config().fusion());
    }

    /**
     * Renorm forward: y = fuse(gamma·(r·x̂ + d) + beta) with r = clip(sigma_B/sigma, 1/rmax, rmax),
     * d = clip((mean_B − mean)/sigma, −dmax, dmax), sigma_B = sqrt(var_B + eps), mean and sigma = sqrt(var + eps)
     * the running statistics before {@code update} (applied under its skip policy, skips counted in skipped or
     * null). r, d (C) are written for the backward; saveOffset (C) or null, the fp32 mean's rounding error.
     */
    public static void forwardRenorm(float[] y, float[] saveMean, float[] saveInvstd, float[] saveOffset, float[] r,
            float[] d, float[] runMean, float[] runVar, float[] skipped, float[] x, float[] gamma, float[] beta,
            float[] z, BatchNormShape s, double eps, BatchRenorm limits, BatchNormRunningStats.Update update, BatchNormFusion fusion) {
        for (int c = 0; c < s.c(); c++) {
            double[] mv = meanVar(x, s, c, 0, s.n());
            double sigmaB = Math.sqrt(mv[1] + eps);
            double sigma = Math.sqrt((double) runVar[c] + eps);
            double rc = clip(sigmaB / sigma, 1 / limits.rmax(), limits.rmax());
            double dc = clip((mv[0] - runMean[c]) / sigma, -limits.dmax(), limits.dmax());
            saveMean[c] = (float) mv[0];
            saveInvstd[c] = (float) (1 / sigmaB);
            if (saveOffset != null) saveOffset[c] = (float) (mv[0] - saveMean[c]);
            r[c] = (float) rc;
            d[c] = (float) dc;
            update.apply(runMean, runVar, skipped, c, mv[0], mv[1]);
            double gm = gamma == null ? 1 : gamma[c];
            double bt = beta == null ? 0 : beta[c];
            apply(y, x, z, s, c, 0, s.n(), mv[0], gm * rc / sigmaB, gm * dc + bt, fusion);
        }
    }

    static void backwardRenorm(BatchRenormBackward renorm, BatchNormShape s) {
        BatchNormBackward call = renorm.call();
        BatchNormFusion fusion = call.config().fusion();
        backward(data(call.dx()), data(call.dgamma()), data(call.dbeta()), data(call.dresidual()), data(call.dy()),
                data(call.x()), fusion.hasRelu() ? data(call.y()) : null, data(call.gamma()),
                data(call.saved().mean()), data(call.saved().offset()), data(call.saved().invstd()),
                data(renorm.corrections().r()),
                data(renorm.corrections().d()), s, s.n(), fusion);
    }

    /**
     * Backward within each virtual batch of v samples (v = N: renorm, or one virtual batch), with g = dy masked by
     * y > 0 under a ReLU: dx = gamma·r·invstd·(g − Σg/M − x̂·Σg·x̂/M), dgamma = Σ_g (r·Σ g·x̂ + d·Σ g),
     * dbeta = Σ g, dz = g. r, d null mean 1 and 0; saveMean, saveInvstd are (N/v, C); x̂ centres x on
     * saveMean + saveOffset (the exact mean; saveOffset null: 0), in double.
     */
    public static void backward(float[] dx, float[] dgamma, float[] dbeta, float[] dz, float[] dy, float[] x,
            float[] y, float[] gamma, float[] saveMean, float[] saveOffset, float[] saveInvstd, float[] r, float[] d,
            BatchNormShape s, int v, BatchNormFusion fusion) {
        double count = (double) v * s.hw();
        for (int c = 0; c < s.c(); c++) {
            double rc = r == null ? 1 : r[c];
            double dc = d == null ? 0 : d[c];
            double dg = 0;
            double db = 0;
            for (int g = 0; g < s.n() / v; g++) {
                double mean = (double) saveMean[g * s.c() + c]
                        + (saveOffset == null ? 0 : saveOffset[g * s.c() + c]);
                double invstd = saveInvstd[g * s.c() + c];
                double[] sums = gradSums(dy, y, x, s, c, g * v, v, mean, invstd, fusion);
                dg += rc * sums[1] + dc * sums[0];
                db += sums[0];
                double scale = (gamma == null ? 1 : gamma[c]) * rc * invstd;
                for (int n = g * v; n < (g + 1) * v; n++) {
                    for (int i = 0; i < s.hw(); i++) {
                        int at = (n * s.c() + c) * s.hw() + i;
                        double gr = grad(dy, y, at, fusion);
                        double xhat = (x[at] - mean) * invstd;
                        dx[at] = (float) (scale * (gr - sums[0] / count - xhat * sums[1] / count));
                        if (dz != null) dz[at] = (float) gr;
                    }
                }
            }
            if (dgamma != null) dgamma[c] = (float) dg;
            if (dbeta != null) dbeta[c] = (float) db;
        }
    }

    /** Mean and biased variance (two passes) of channel c over samples [n0, n0 + v). */
    private static double[] meanVar(float[] x, BatchNormShape s, int c, int n0, int v) {
        double sum = 0;
        for (int n = n0; n < n0 + v; n++) {
            for (int i = 0; i < s.hw(); i++) sum += x[(n * s.c() + c) * s.hw() + i];
        }
        double mean = sum / ((double) v * s.hw());
        double sq = 0;
        for (int n = n0; n < n0 + v; n++) {
            for (int i = 0; i < s.hw(); i++) {
                double dev = x[(n * s.c() + c) * s.hw() + i] - mean;
                sq += dev * dev;
            }
        }
        return new double[] {mean, sq / ((double) v * s.hw())};
    }

    /** Σ g and Σ g·x̂ of channel c over samples [n0, n0 + v). */
    private static double[] gradSums(float[] dy, float[] y, float[] x, BatchNormShape s, int c, int n0, int v,
            double mean, double invstd, BatchNormFusion fusion) {
        double sumG = 0;
        double sumGxhat = 0;
        for (int n = n0; n < n0 + v; n++) {
            for (int i = 0; i < s.hw(); i++) {
                int at = (n * s.c() + c) * s.hw() + i;
                double g = grad(dy, y, at, fusion);
                sumG += g;
                sumGxhat += g * (x[at] - mean) * invstd;
            }
        }
        return new double[] {sumG, sumGxhat};
    }

    /** y = fuse(scale·(x − mean) + shift [+ z]) for channel c over samples [n0, n0 + v). */
    private static void apply(float[] y, float[] x, float[] z, BatchNormShape s, int c, int n0, int v, double mean,
            double scale, double shift, BatchNormFusion fusion) {
        for (int n = n0; n < n0 + v; n++) {
            for (int i = 0; i < s.hw(); i++) {
                int at = (n * s.c() + c) * s.hw() + i;
                double out = scale * (x[at] - mean) + shift;
                if (fusion.hasResidual()) out += z[at];
                if (fusion.hasRelu()) out = out < 0 ? 0 : out;
                y[at] = (float) out;
            }
        }
    }

    private static double grad(float[] dy, float[] y, int at, BatchNormFusion fusion) {
        return fusion.hasRelu() && !(y[at] > 0) ? 0 : dy[at];
    }

    /** Clips to [lo, hi], keeping NaN. */
    static double clip(double v, double lo, double hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }
}
