package org.clengine.batchnorm;

import static org.clengine.core.HostTensor.data;

import org.clengine.core.HostTensor;
import org.clengine.core.Memory;

/**
 * Batch normalization as plain math, the oracle for kernels/batchnorm.cl. Arrays are NCHW: x is (N, C, HW) with
 * HW = H·W (1 for N×C input); per-channel vectors are (C). Accumulation in double; two passes for the variance.
 * The static methods take the arrays in the kernels' order (outputs, inputs, sizes); verification and benchmarks
 * call them directly. 16-bit activations (issue 15) are read as the values they hold, and the outputs are
 * rounded to their dtype once at the end (HostTensor.round), as a device's store rounds its fp32 result.
 */
public final class BatchNormReference extends BatchNormOps {

    public BatchNormReference() {
        super(Memory.HOST);
    }

    @Override
    protected void forwardTraining(BatchNormTraining call, BatchNormShape s) {
        BatchNormRunningStats running = call.running();
        BatchNormConfig config = call.config();
        BatchNormSaved saved = call.saved();
        if (config.frozen()) {
            forwardFrozen(data(call.y()), data(saved.mean()), data(saved.invstd()), data(saved.offset()),
                    data(call.x()), data(call.gamma()), data(call.beta()), data(call.residual()),
                    data(running.mean()), data(running.var()), s, config.eps(), config.fusion());
            HostTensor.round(call.y());
            return;
        }
        BatchNormRunningStats.Update update = running == null ? null : running.nextUpdate(config, s.perChannel());
        forwardTraining(data(call.y()), data(saved.mean()), data(saved.invstd()), data(saved.offset()),
                running == null ? null : data(running.mean()), running == null ? null : data(running.var()),
                running == null ? null : data(running.skipped()), data(call.x()), data(call.gamma()),
                data(call.beta()), data(call.residual()), s, config.eps(), update, config.fusion());
        HostTensor.round(call.y());
    }

    @Override
    protected void forwardInference(BatchNormInference call, BatchNormShape s) {
        forwardInference(data(call.y()), data(call.x()), data(call.gamma()), data(call.beta()),
                data(call.residual()), data(call.running().mean()), data(call.running().var()), s,
                call.config().eps(), call.config().fusion());
        HostTensor.round(call.y());
    }

    @Override
    protected void backward(BatchNormBackward call, BatchNormShape s) {
        BatchNormFusion fusion = call.config().fusion();
        BatchNormSaved saved = call.saved();
        backward(data(call.dx()), data(call.dgamma()), data(call.dbeta()), data(call.dresidual()), data(call.dy()),
                data(call.x()), fusion.hasRelu() ? data(call.y()) : null, data(call.gamma()), data(saved.mean()),
                data(saved.offset()), data(saved.invstd()), s, fusion, call.config().frozen());
        roundGradients(call);
    }

    private static void roundGradients(BatchNormBackward call) {
        HostTensor.round(call.dx());
        HostTensor.round(call.dresidual());
    }

    // synchronized batch norm (issue 16): the per-rank halves; SyncBatchNorm merges across ranks
    @Override
    protected double[] syncMoments(BatchNormTraining call, BatchNormShape s) {
        float[] x = data(call.x());
        double count = s.perChannel();
        double[] out = new double[3 * s.c()];
        for (int c = 0; c < s.c(); c++) {
            double[] m = centredMoments(x, s, c);
            double mean = m[0], sq = m[1];
            out[3 * c] = count;
            out[3 * c + 1] = mean;
            out[3 * c + 2] = sq;
        }
        return out;
    }

    @Override
    protected void syncApply(BatchNormTraining call, BatchNormShape s) {
        float[] mean = data(call.saved().mean());
        float[] offset = data(call.saved().offset());
        float[] invstd = data(call.saved().invstd());
        for (int c = 0; c < s.c(); c++) {
            normalize(data(call.y()), data(call.x()), data(call.residual()), data(call.gamma()), data(call.beta()),
                    s, c, mean[c] + (double) offset[c], invstd[c], call.config().fusion());
        }
    }

    @Override
    protected double[] syncGradientSums(BatchNormBackward call, BatchNormShape s) {
        BatchNormFusion fusion = call.config().fusion();
        float[] dy = data(call.dy());
        float[] x = data(call.x());
        float[] y = fusion.hasRelu() ? data(call.y()) : null;
        double[] out = new double[2 * s.c()];
        for (int c = 0; c < s.c(); c++) {
            double mean = data(call.saved().mean())[c] + (double) data(call.saved().offset())[c];
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < s.hw(); i++) {
                    int at = (n * s.c() + c) * s.hw() + i;
                    double g = grad(dy, y, at, fusion);
                    out[2 * c] += g;
                    out[2 * c + 1] += g * (x[at] - mean);
                }
            }
        }
        return out;
    }

    @Override
    protected void syncGradientApply(BatchNormBackward call, BatchNormShape s, float[] coef) {
        BatchNormFusion fusion = call.config().fusion();
        float[] dy = data(call.dy());
        float[] x = data(call.x());
        float[] y = fusion.hasRelu() ? data(call.y()) : null;
        float[] dx = data(call.dx());
        float[] dz = data(call.dresidual());
        for (int c = 0; c < s.c(); c++) {
            double mean = data(call.saved().mean())[c] + (double) data(call.saved().offset())[c];
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < s.hw(); i++) {
                    int at = (n * s.c() + c) * s.hw() + i;
                    double g = grad(dy, y, at, fusion);
                    dx[at] = (float) (coef[3 * c] * g + coef[3 * c + 1] * (x[at] - mean) + coef[3 * c + 2]);
                    if (dz != null) dz[at] = (float) g;
                }
            }
        }
    }

    // ghost batch norm and batch renormalization (issue 14): their plain math is BatchNormVariantReference's
    @Override
    protected void forwardTrainingGhost(GhostBatchNormTraining call, BatchNormShape s) {
        BatchNormVariantReference.forwardGhost(call, s);
        HostTensor.round(call.call().y());
    }

    @Override
    protected void backwardGhost(GhostBatchNormBackward call, BatchNormShape s) {
        BatchNormVariantReference.backwardGhost(call, s);
        roundGradients(call.call());
    }

    @Override
    protected void forwardTrainingRenorm(BatchRenormTraining call, BatchNormShape s) {
        BatchNormVariantReference.forwardRenorm(call, s);
        HostTensor.round(call.call().y());
    }

    @Override
    protected void backwardRenorm(BatchRenormBackward call, BatchNormShape s) {
        BatchNormVariantReference.backwardRenorm(call, s);
        roundGradients(call.call());
    }

    /** {@link #forwardTraining(float[], float[], float[], float[], float[], float[], float[], float[], float[],
     * float[], float[], BatchNormShape, double, BatchNormRunningStats.Update, BatchNormFusion)} without offset and
     * skip counts. */
    public static void forwardTraining(float[] y, float[] saveMean, float[] saveInvstd, float[] runMean,
            float[] runVar, float[] x, float[] gamma, float[] beta, float[] z, BatchNormShape s, double eps,
            BatchNormRunningStats.Update update, BatchNormFusion fusion) {
        forwardTraining(y, saveMean, saveInvstd, null, runMean, runVar, null, x, gamma, beta, z, s, eps, update,
                fusion);
    }

    /**
     * Training forward. y (N,C,HW); saveMean, saveInvstd (C); saveOffset (C) or null: the fp32 mean's rounding
     * error; runMean, runVar (C) or null, updated by {@code update} (null when they are); runSkipped (C) or null:
     * skip counts; x (N,C,HW); gamma, beta (C) or null; z (N,C,HW) or null.
     */
    public static void forwardTraining(float[] y, float[] saveMean, float[] saveInvstd, float[] saveOffset,
            float[] runMean, float[] runVar, float[] runSkipped, float[] x, float[] gamma, float[] beta, float[] z,
            BatchNormShape s, double eps, BatchNormRunningStats.Update update, BatchNormFusion fusion) {
        double count = s.perChannel();
        for (int c = 0; c < s.c(); c++) {
            double[] m = centredMoments(x, s, c);
            double mean = m[0], var = m[1] / count;
            double invstd = 1 / Math.sqrt(var + eps);
            saveMean[c] = (float) mean;
            saveInvstd[c] = (float) invstd;
            if (saveOffset != null) saveOffset[c] = (float) (mean - saveMean[c]);
            if (runMean != null) update.apply(runMean, runVar, runSkipped, c, mean, var);
            normalize(y, x, z, gamma, beta, s, c, mean, invstd, fusion);
        }
    }

    /**
     * Frozen forward (training mode, FrozenBatchNorm2d): inference's normalization, with the running statistics
     * saved for backward (offset 0: the running mean is exact as it is). Nothing is updated.
     */
    public static void forwardFrozen(float[] y, float[] saveMean, float[] saveInvstd, float[] saveOffset, float[] x,
            float[] gamma, float[] beta, float[] z, float[] runMean, float[] runVar, BatchNormShape s, double eps,
            BatchNormFusion fusion) {
        forwardInference(y, x, gamma, beta, z, runMean, runVar, s, eps, fusion);
        for (int c = 0; c < s.c(); c++) {
            saveMean[c] = runMean[c];
            saveInvstd[c] = (float) (1 / Math.sqrt((double) runVar[c] + eps));
            if (saveOffset != null) saveOffset[c] = 0;
        }
    }

    /** Inference forward with the running statistics: y = gamma·(x−mean)/sqrt(var+eps) + beta, then the fusion. */
    public static void forwardInference(float[] y, float[] x, float[] gamma, float[] beta, float[] z,
            float[] runMean, float[] runVar, BatchNormShape s, double eps, BatchNormFusion fusion) {
        for (int c = 0; c < s.c(); c++) {
            normalize(y, x, z, gamma, beta, s, c, runMean[c], 1 / Math.sqrt((double) runVar[c] + eps), fusion);
        }
    }

    private static void normalize(float[] y, float[] x, float[] z, float[] gamma, float[] beta, BatchNormShape s,
            int c, double mean, double invstd, BatchNormFusion fusion) {
        int hw = s.hw();
        double g = gamma == null ? 1 : gamma[c];
        double b = beta == null ? 0 : beta[c];
        for (int n = 0; n < s.n(); n++) {
            for (int i = 0; i < hw; i++) {
                int at = (n * s.c() + c) * hw + i;
                double v = g * (x[at] - mean) * invstd + b;
                if (fusion.hasResidual()) v += z[at];
                if (fusion.hasRelu()) v = relu(v);
                y[at] = (float) v;
            }
        }
    }

    /** Backward without offset, not frozen. */
    public static void backward(float[] dx, float[] dgamma, float[] dbeta, float[] dz, float[] dy, float[] x,
            float[] y, float[] gamma, float[] saveMean, float[] saveInvstd, BatchNormShape s, BatchNormFusion fusion) {
        backward(dx, dgamma, dbeta, dz, dy, x, y, gamma, saveMean, null, saveInvstd, s, fusion, false);
    }

    /**
     * Backward from saved statistics, x̂ = (x − mean − offset)·invstd (offset null: 0). With g = dy masked by y > 0
     * when the fusion has a ReLU: dbeta = Σg, dgamma = Σ g·x̂, dx = gamma·invstd·(g − dbeta/M − x̂·dgamma/M), or
     * dx = gamma·invstd·g when frozen (the statistics are constants); dz = g. dgamma, dbeta, dz may be null; gamma
     * null means 1.
     */
    public static void backward(float[] dx, float[] dgamma, float[] dbeta, float[] dz, float[] dy, float[] x,
            float[] y, float[] gamma, float[] saveMean, float[] saveOffset, float[] saveInvstd, BatchNormShape s,
            BatchNormFusion fusion, boolean frozen) {
        int hw = s.hw();
        double count = s.perChannel();
        for (int c = 0; c < s.c(); c++) {
            double mean = saveMean[c] + (saveOffset == null ? 0.0 : saveOffset[c]);
            double invstd = saveInvstd[c];
            double sumG = 0;
            double sumGxhat = 0;
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < hw; i++) {
                    int at = (n * s.c() + c) * hw + i;
                    double g = grad(dy, y, at, fusion);
                    sumG += g;
                    sumGxhat += g * (x[at] - mean) * invstd;
                }
            }
            if (dgamma != null) dgamma[c] = (float) sumGxhat;
            if (dbeta != null) dbeta[c] = (float) sumG;
            double scale = (gamma == null ? 1 : gamma[c]) * invstd;
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < hw; i++) {
                    int at = (n * s.c() + c) * hw + i;
                    double g = grad(dy, y, at, fusion);
                    double xhat = (x[at] - mean) * invstd;
                    double stats = frozen ? 0 : sumG / count + xhat * sumGxhat / count;
                    dx[at] = (float) (scale * (g - stats));
                    if (dz != null) dz[at] = (float) g;
                }
            }
        }
    }

    private static double grad(float[] dy, float[] y, int at, BatchNormFusion fusion) {
        return fusion.hasRelu() && !(y[at] > 0) ? 0 : dy[at];
    }

    /** ReLU that keeps NaN (as PyTorch's does). */
    /**
     * Channel c's mean and sum of squared deviations from it, both in double: the sum first, then the deviations
     * from the exact-as-double mean (two passes; never E[x^2] - E[x]^2).
     */
    static double[] centredMoments(float[] x, BatchNormShape s, int c) {
        int hw = s.hw();
        double sum = 0;
        for (int n = 0; n < s.n(); n++) {
            for (int i = 0; i < hw; i++) sum += x[(n * s.c() + c) * hw + i];
        }
        double mean = sum / s.perChannel();
        double sq = 0;
        for (int n = 0; n < s.n(); n++) {
            for (int i = 0; i < hw; i++) {
                double d = x[(n * s.c() + c) * hw + i] - mean;
                sq += d * d;
            }
        }
        return new double[] {mean, sq};
    }

    static double relu(double v) {
        return v < 0 ? 0 : v;
    }
}
