package org.clengine.batchnorm;

import static org.clengine.batchnorm.BatchNormExactnessTest.relL2;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.batchnorm.BatchNormExactnessTest.Inputs;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Ghost batch norm and batch renormalization when the mean dwarfs the spread (mean 1e4 / std 1e-2, mean 1e6 /
 * std 1), as {@link BatchNormExactnessTest} holds plain batch norm: y, dx, dgamma, dbeta (and renorm's r and d)
 * within 1e-5 relative L2 of a float64 computation written here from the same fp32 inputs, on both backends and
 * an odd OpenCL geometry. Without the saved offset the fp32 mean's rounding (half an ulp of 1e6 against a spread
 * of 1) costs y and d several percent. -Dclengine.exactness.print=true prints the errors.
 */
class GhostRenormExactnessTest {
    private static final double EPS = 1e-5;
    private static final BatchRenorm LIMITS = GhostRenormVariant.LIMITS;

    @TestFactory
    List<DynamicTest> ghostAndRenormAreWithinTheTargetOfFloat64() {
        long seed = TestBackends.seed();
        Map<String, BatchNormOps> impls = new LinkedHashMap<>();
        impls.put("reference", TestBackends.REFERENCE.batchNorm());
        impls.put("opencl", TestBackends.openCl().batchNorm());
        BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3);
        impls.put("opencl odd geometry", new BatchNormOpenCl(TestBackends.device(),
                TestBackends.policy().batchNorm().withFixed(odd)));
        List<DynamicTest> tests = new ArrayList<>();
        for (var impl : impls.entrySet()) {
            for (String d : List.of("mb8ic3ih17iw19", "mb64ic5ih2iw3", "mb200ic37", "mb3ic6ih64iw65")) {
                BatchNormShape s = BatchNormShape.parse(d);
                for (double[] regime : BatchNormExactnessTest.REGIMES) {
                    for (BatchNormFusion f : BatchNormFusion.values()) {
                        for (boolean affine : f == BatchNormFusion.NONE ? new boolean[] {true, false}
                                : new boolean[] {true}) {
                            for (int v : new int[] {GhostRenormVariant.virtualBatch(s.n(), s.hw()), 0}) {
                                String name = impl.getKey() + " " + (v == 0 ? "renorm" : "ghost V=" + v) + " " + d
                                        + " mean " + regime[0] + " std " + regime[1] + " " + f
                                        + (affine ? "" : " affine=false") + " seed=" + seed;
                                tests.add(dynamicTest(name, () -> check(name, measure(impl.getValue(), s, v,
                                        regime, f, affine, seed))));
                            }
                        }
                    }
                }
            }
        }
        return tests;
    }

    private static void check(String name, Map<String, Double> errors) {
        if (Boolean.getBoolean("clengine.exactness.print")) System.out.println(name + " " + errors);
        double limit = Tolerance.BATCHNORM_LARGE_MEAN.relL2();
        for (var e : errors.entrySet()) {
            assertTrue(e.getValue() <= limit, name + ": " + e.getKey() + " relative L2 error " + e.getValue()
                    + " > " + limit + "; all: " + errors);
        }
    }

    /** Ghost forward and backward with virtual batch v, or renorm (v = 0); each output's error against float64. */
    static Map<String, Double> measure(BatchNormOps ops, BatchNormShape s, int v, double[] regime,
            BatchNormFusion f, boolean affine, long seed) {
        Inputs in = Inputs.random(s, regime, seed);
        BatchNormConfig cfg = BatchNormConfig.DEFAULT.withFusion(f);
        Map<String, Double> err = new LinkedHashMap<>();
        try (TensorScope sc = new TensorScope(ops.memory())) {
            int[] dims = s.dims();
            Tensor x = sc.tensor(in.x(), dims);
            Tensor gamma = affine ? sc.tensor(in.gamma(), s.c()) : null;
            Tensor beta = affine ? sc.tensor(in.beta(), s.c()) : null;
            Tensor z = f.hasResidual() ? sc.tensor(in.z(), dims) : null;
            Tensor y = sc.full(Float.NaN, dims);
            int[] stats = v == 0 ? new int[] {s.c()} : new int[] {s.n() / v, s.c()};
            BatchNormSaved saved = sc.add(new BatchNormSaved(sc.full(Float.NaN, stats), sc.full(Float.NaN, stats),
                    sc.full(Float.NaN, stats)));
            BatchNormRunningStats run = sc.add(new BatchNormRunningStats(sc.tensor(in.runMean(), s.c()),
                    sc.tensor(in.runVar(), s.c()), 0));
            BatchNormTraining call = BatchNormTraining.of(y, saved, x).affine(gamma, beta).residual(z).running(run)
                    .config(cfg);
            BatchRenormSaved rd = sc.add(BatchRenormSaved.allocate(ops.memory(), s.c()));
            if (v == 0) {
                ops.forwardTrainingRenorm(new BatchRenormTraining(call, LIMITS, rd));
            } else {
                ops.forwardTrainingGhost(new GhostBatchNormTraining(call, v));
            }
            Float64 exact = new Float64(in, v == 0 ? s.n() : v, v == 0, affine, f);
            float[] yTrain = y.toArray();
            err.put("y", relL2(yTrain, exact.y));
            if (v == 0) {
                err.put("r", relL2(rd.r().toArray(), exact.r));
                err.put("d", relL2(rd.d().toArray(), exact.d));
            }
            Tensor dx = sc.full(Float.NaN, dims);
            Tensor dgamma = affine ? sc.full(Float.NaN, s.c()) : null;
            Tensor dbeta = affine ? sc.full(Float.NaN, s.c()) : null;
            Tensor dz = f.hasResidual() ? sc.full(Float.NaN, dims) : null;
            BatchNormBackward back = BatchNormBackward.of(dx, sc.tensor(in.dy(), dims), x, saved)
                    .affine(gamma, dgamma, dbeta).forwardOutput(y).residualGradient(dz).config(cfg);
            if (v == 0) {
                ops.backwardRenorm(new BatchRenormBackward(back, rd));
            } else {
                ops.backwardGhost(new GhostBatchNormBackward(back, v));
            }
            exact.backward(yTrain);
            err.put("dx", relL2(dx.toArray(), exact.dx));
            if (affine) {
                err.put("dgamma", relL2(dgamma.toArray(), exact.dgamma));
                err.put("dbeta", relL2(dbeta.toArray(), exact.dbeta));
            }
        }
        return err;
    }

    /**
     * Ghost batch norm (each virtual batch of v samples on its own statistics) or batch renormalization (v = N,
     * r and d from the inputs' running statistics) in float64 from the fp32 inputs, apart from the engine's
     * reference. Units are (virtual batch g, channel c), at g·C + c.
     */
    static final class Float64 {
        private final Inputs in;
        private final int v;
        private final boolean affine;
        private final BatchNormFusion f;
        final double[] mean, invstd, r, d, y;
        double[] dx, dgamma, dbeta;

        Float64(Inputs in, int v, boolean renorm, boolean affine, BatchNormFusion f) {
            BatchNormShape s = in.s();
            this.in = in;
            this.v = v;
            this.affine = affine;
            this.f = f;
            int units = s.n() / v * s.c();
            mean = new double[units];
            invstd = new double[units];
            r = new double[s.c()];
            d = new double[s.c()];
            java.util.Arrays.fill(r, 1);
            for (int u = 0; u < units; u++) {
                double sum = 0, sq = 0;
                for (int at : at(u)) sum += in.x()[at];
                mean[u] = sum / at(u).length;
                for (int at : at(u)) sq += (in.x()[at] - mean[u]) * (in.x()[at] - mean[u]);
                double var = sq / at(u).length;
                invstd[u] = 1 / Math.sqrt(var + EPS);
                if (renorm) {
                    double sigma = Math.sqrt(in.runVar()[u] + EPS);
                    r[u] = clip(Math.sqrt(var + EPS) / sigma, 1 / LIMITS.rmax(), LIMITS.rmax());
                    d[u] = clip((mean[u] - in.runMean()[u]) / sigma, -LIMITS.dmax(), LIMITS.dmax());
                }
            }
            y = new double[in.x().length];
            for (int u = 0; u < units; u++) {
                int c = u % s.c();
                for (int at : at(u)) {
                    double out = r[c] * (in.x()[at] - mean[u]) * invstd[u] + d[c];
                    if (affine) out = in.gamma()[c] * out + in.beta()[c];
                    if (f.hasResidual()) out += in.z()[at];
                    y[at] = f.hasRelu() && out < 0 ? 0 : out;
                }
            }
        }

        /** The ReLU's mask is the implementation's own y, so both sides mask alike; r and d are constants. */
        void backward(float[] yGot) {
            BatchNormShape s = in.s();
            dx = new double[in.x().length];
            dgamma = new double[s.c()];
            dbeta = new double[s.c()];
            for (int u = 0; u < mean.length; u++) {
                int c = u % s.c();
                int[] ats = at(u);
                double sg = 0, sgx = 0;
                for (int at : ats) {
                    double g = f.hasRelu() && !(yGot[at] > 0) ? 0 : in.dy()[at];
                    sg += g;
                    sgx += g * (in.x()[at] - mean[u]) * invstd[u];
                }
                dgamma[c] += r[c] * sgx + d[c] * sg;
                dbeta[c] += sg;
                double a = (affine ? in.gamma()[c] : 1) * r[c] * invstd[u];
                for (int at : ats) {
                    double g = f.hasRelu() && !(yGot[at] > 0) ? 0 : in.dy()[at];
                    double xhat = (in.x()[at] - mean[u]) * invstd[u];
                    dx[at] = a * (g - sg / ats.length - xhat * sgx / ats.length);
                }
            }
        }

        /** The flat indices of unit u (virtual batch u / C, channel u % C), in (n, i) order. */
        private int[] at(int u) {
            BatchNormShape s = in.s();
            int g = u / s.c(), c = u % s.c();
            int[] out = new int[v * s.hw()];
            int k = 0;
            for (int n = g * v; n < (g + 1) * v; n++) {
                for (int i = 0; i < s.hw(); i++) out[k++] = (n * s.c() + c) * s.hw() + i;
            }
            return out;
        }

        private static double clip(double x, double lo, double hi) {
            return x < lo ? lo : x > hi ? hi : x;
        }
    }
}
