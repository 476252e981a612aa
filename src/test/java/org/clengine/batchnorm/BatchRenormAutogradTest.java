package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Batch renormalization against a float64 reference written as autograd computes it: the forward as a chain of
 * primitive steps (mean, centred, variance, sigma, x̂, r and d behind a stop-gradient, y) and the backward as the
 * chain rule through each step in reverse, no closed form. Both backends must match it to 1e-5 (relative L2) in
 * every output; the chain itself is checked against central differences in double.
 */
class BatchRenormAutogradTest {
    static final double TOLERANCE = 1e-5;
    static final double EPS = 1e-5;
    static final BatchRenorm LIMITS = new BatchRenorm(2, 0.5);

    /** One channel's forward and backward in double; x, dy over the channel's M values; r, d constants. */
    record Channel(double[] y, double[] dx, double dgamma, double dbeta, double r, double d, double mean, double var) {
        static Channel of(double[] x, double[] dy, double gamma, double beta, double runMean, double runVar) {
            int m = x.length;
            double mu = 0;
            for (double v : x) mu += v / m;
            double[] xc = new double[m];
            double var = 0;
            for (int i = 0; i < m; i++) {
                xc[i] = x[i] - mu;
                var += xc[i] * xc[i] / m;
            }
            double sigmaB = Math.sqrt(var + EPS);
            double sigma = Math.sqrt(runVar + EPS);
            double r = Math.min(LIMITS.rmax(), Math.max(1 / LIMITS.rmax(), sigmaB / sigma)); // stop-gradient
            double d = Math.min(LIMITS.dmax(), Math.max(-LIMITS.dmax(), (mu - runMean) / sigma)); // stop-gradient
            double[] xhat = new double[m];
            double[] y = new double[m];
            for (int i = 0; i < m; i++) {
                xhat[i] = xc[i] / sigmaB;
                y[i] = gamma * (r * xhat[i] + d) + beta;
            }
            // reverse: y -> (gamma, beta, xhat) -> (xc, sigmaB) -> var -> xc -> (x, mu) -> x
            double dgamma = 0, dbeta = 0, dsigma = 0;
            double[] dxc = new double[m];
            for (int i = 0; i < m; i++) {
                dgamma += dy[i] * (r * xhat[i] + d);
                dbeta += dy[i];
                double dxhat = dy[i] * gamma * r;
                dxc[i] = dxhat / sigmaB;
                dsigma += -dxhat * xc[i] / (sigmaB * sigmaB);
            }
            double dvar = dsigma / (2 * sigmaB);
            double dmu = 0;
            for (int i = 0; i < m; i++) {
                dxc[i] += dvar * 2 * xc[i] / m;
                dmu -= dxc[i];
            }
            double[] dx = new double[m];
            for (int i = 0; i < m; i++) dx[i] = dxc[i] + dmu / m;
            return new Channel(y, dx, dgamma, dbeta, r, d, mu, var);
        }
    }

    /** Shape, then y, dx, dgamma, dbeta, r, d and the running statistics for every channel, in double. */
    static Map<String, double[]> expected(BatchNormShape s, float[] x, float[] dy, float[] gamma, float[] beta,
            float[] runMean, float[] runVar) {
        Map<String, double[]> out = new LinkedHashMap<>();
        int e = Math.toIntExact(s.elements());
        for (String k : List.of("y", "dx")) out.put(k, new double[e]);
        for (String k : List.of("dgamma", "dbeta", "r", "d", "run_mean", "run_var")) out.put(k, new double[s.c()]);
        int m = Math.toIntExact(s.perChannel());
        for (int c = 0; c < s.c(); c++) {
            double[] xc = new double[m];
            double[] dyc = new double[m];
            for (int i = 0; i < m; i++) {
                int at = index(s, c, i);
                xc[i] = x[at];
                dyc[i] = dy[at];
            }
            Channel ch = Channel.of(xc, dyc, gamma[c], beta[c], runMean[c], runVar[c]);
            for (int i = 0; i < m; i++) {
                out.get("y")[index(s, c, i)] = ch.y()[i];
                out.get("dx")[index(s, c, i)] = ch.dx()[i];
            }
            out.get("dgamma")[c] = ch.dgamma();
            out.get("dbeta")[c] = ch.dbeta();
            out.get("r")[c] = ch.r();
            out.get("d")[c] = ch.d();
            out.get("run_mean")[c] = 0.9 * runMean[c] + 0.1 * ch.mean();
            out.get("run_var")[c] = 0.9 * runVar[c] + 0.1 * ch.var() * m / (m - 1);
        }
        return out;
    }

    /** Element i (in (n, hw) order) of channel c. */
    static int index(BatchNormShape s, int c, int i) {
        return ((i / s.hw()) * s.c() + c) * s.hw() + i % s.hw();
    }

    @TestFactory
    List<DynamicTest> bothBackendsMatchTheAutogradReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (String d : List.of("mb8ic5", "mb4ic3ih5iw7", "mb16ic64ih7iw7", "mb2ic3ih31iw37", "mb64ic16")) {
            for (BatchNormOps ops : List.of(TestBackends.REFERENCE.batchNorm(), TestBackends.openCl().batchNorm())) {
                tests.add(dynamicTest(d + " " + ops.memory().name() + " seed=" + seed,
                        () -> check(ops, BatchNormShape.parse(d), seed)));
            }
        }
        return tests;
    }

    private static void check(BatchNormOps ops, BatchNormShape s, long seed) {
        RandomFill rf = new RandomFill(seed);
        int e = Math.toIntExact(s.elements());
        float[] x = rf.perChannel(s.n(), s.c(), s.hw(), 3, 1);
        float[] dy = rf.normal(e);
        float[] gamma = rf.uniform(s.c(), 0.5, 1.5);
        float[] beta = rf.normal(s.c());
        float[] runMean = rf.uniform(s.c(), -1, 1);
        float[] runVar = rf.uniform(s.c(), 0.3, 3);
        Map<String, double[]> want = expected(s, x, dy, gamma, beta, runMean, runVar);
        Map<String, float[]> got = run(ops, s, x, dy, gamma, beta, runMean, runVar);
        StringBuilder bad = new StringBuilder();
        for (var w : want.entrySet()) {
            double err = relL2(w.getValue(), got.get(w.getKey()));
            if (!(err <= TOLERANCE)) bad.append(w.getKey()).append(" relative L2 ").append(err).append('\n');
        }
        assertTrue(bad.isEmpty(), () -> s + " on " + ops.memory().name() + " (seed " + seed + "):\n" + bad);
    }

    private static Map<String, float[]> run(BatchNormOps ops, BatchNormShape s, float[] x, float[] dy,
            float[] gamma, float[] beta, float[] runMean, float[] runVar) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(ops.memory())) {
            int[] dims = s.dims();
            Tensor xt = scope.tensor(x, dims);
            Tensor g = scope.tensor(gamma, s.c());
            Tensor y = scope.full(Float.NaN, dims);
            BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
            BatchRenormSaved rd = new BatchRenormSaved(scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
            BatchNormRunningStats running = scope.add(new BatchNormRunningStats(scope.tensor(runMean, s.c()),
                    scope.tensor(runVar, s.c()), 0));
            ops.forwardTrainingRenorm(new BatchRenormTraining(BatchNormTraining.of(y, saved, xt)
                    .affine(g, scope.tensor(beta, s.c())).running(running), LIMITS, rd));
            Tensor dx = scope.full(Float.NaN, dims);
            Tensor dgamma = scope.full(Float.NaN, s.c());
            Tensor dbeta = scope.full(Float.NaN, s.c());
            ops.backwardRenorm(new BatchRenormBackward(BatchNormBackward.of(dx, scope.tensor(dy, dims), xt, saved)
                    .affine(g, dgamma, dbeta), rd));
            out.put("y", y.toArray());
            out.put("dx", dx.toArray());
            out.put("dgamma", dgamma.toArray());
            out.put("dbeta", dbeta.toArray());
            out.put("r", rd.r().toArray());
            out.put("d", rd.d().toArray());
            out.put("run_mean", running.mean().toArray());
            out.put("run_var", running.var().toArray());
        }
        return out;
    }

    static double relL2(double[] want, float[] got) {
        double diff = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            double dlt = got[i] - want[i];
            diff += dlt * dlt;
            norm += want[i] * want[i];
        }
        return norm == 0 ? Double.NaN : Math.sqrt(diff / norm);
    }

    /** The chain rule above against central differences of sum(w·y(x)) with r and d held at their values. */
    @Test
    void autogradReferenceMatchesCentralDifferences() {
        RandomFill rf = new RandomFill(TestBackends.seed());
        int m = 7;
        double[] x = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            x[i] = 2 + 3 * rf.gaussian();
            w[i] = rf.gaussian();
        }
        double gamma = 1.3, beta = 0.2, runMean = 0.5, runVar = 4;
        Channel at = Channel.of(x, w, gamma, beta, runMean, runVar);
        double h = 1e-6;
        for (int i = 0; i < m; i++) {
            double[] up = x.clone();
            double[] down = x.clone();
            up[i] += h;
            down[i] -= h;
            double fd = (frozen(up, w, gamma, beta, at) - frozen(down, w, gamma, beta, at)) / (2 * h);
            double got = at.dx()[i];
            assertTrue(Math.abs(fd - got) <= 1e-6 * Math.max(1, Math.abs(fd)), "dx[" + i + "] " + got
                    + " vs central difference " + fd);
        }
    }

    /** sum(w·y) with r and d held at {@code at}'s (the stop-gradient). */
    private static double frozen(double[] x, double[] w, double gamma, double beta, Channel at) {
        int m = x.length;
        double mu = 0, var = 0;
        for (double v : x) mu += v / m;
        for (double v : x) var += (v - mu) * (v - mu) / m;
        double sum = 0;
        for (int i = 0; i < m; i++) {
            sum += w[i] * (gamma * (at.r() * (x[i] - mu) / Math.sqrt(var + EPS) + at.d()) + beta);
        }
        return sum;
    }
}
