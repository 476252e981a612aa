package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Batch norm when the mean dwarfs the spread (mean 1e4 / std 1e-2, mean 1e6 / std 1): every output of training
 * forward, backward and inference, for every fusion, on both backends and every OpenCL path (rows, positions,
 * single launch, the convolution's fused statistics), within 1e-5 relative L2 of a float64 computation written
 * here from the same fp32 inputs. -Dclengine.exactness.print=true prints the errors (the before/after figures).
 */
class BatchNormExactnessTest {
    /** Per-channel |mean| and std of the two regimes. */
    static final double[][] REGIMES = {{1e4, 1e-2}, {1e6, 1}};
    private static final double EPS = 1e-5;

    @TestFactory
    List<DynamicTest> everyOutputIsWithinTheTargetOfFloat64() {
        long seed = TestBackends.seed();
        BatchNormPolicy base = TestBackends.policy().batchNorm();
        Map<String, BatchNormOps> impls = new LinkedHashMap<>();
        impls.put("reference", TestBackends.REFERENCE.batchNorm());
        impls.put("opencl", TestBackends.openCl().batchNorm());
        for (int path = 0; path < 3; path++) {
            BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3).withPositionsPath(path > 0)
                    .withPosBlocks(path == 2 ? 3 : 1);
            impls.put("opencl " + (path == 0 ? "rows" : "positions x" + (path == 2 ? 3 : 1)) + " odd geometry",
                    new BatchNormOpenCl(TestBackends.device(), base.withFixed(odd)));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (var impl : impls.entrySet()) {
            for (String d : List.of("mb8ic3ih17iw19", "mb64ic5ih2iw3", "mb200ic37", "mb3ic6ih64iw65")) {
                for (double[] regime : REGIMES) {
                    for (BatchNormFusion f : BatchNormFusion.values()) {
                        for (boolean affine : f == BatchNormFusion.NONE ? new boolean[] {true, false}
                                : new boolean[] {true}) {
                            String name = impl.getKey() + " " + d + " mean " + regime[0] + " std " + regime[1] + " "
                                    + f + (affine ? "" : " affine=false") + " seed=" + seed;
                            tests.add(dynamicTest(name, () -> check(name, measure(impl.getValue(), null,
                                    BatchNormShape.parse(d), regime, f, affine, seed))));
                        }
                    }
                }
            }
        }
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            for (double[] regime : REGIMES) {
                String name = b.name() + " conv 1x1 (identity) -> BN fused, mb4ic3ih32iw32 mean " + regime[0]
                        + " seed=" + seed;
                tests.add(dynamicTest(name, () -> check(name, measure(b.batchNorm(), b,
                        BatchNormShape.parse("mb4ic3ih32iw32"), regime, BatchNormFusion.RELU, true, seed))));
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

    /** Inputs: per-channel means ±mean·(1..1.5), stds std·(0.5..1.5), as fp32; the oracle reads these floats. */
    record Inputs(BatchNormShape s, float[] x, float[] gamma, float[] beta, float[] z, float[] dy, float[] runMean,
            float[] runVar) {
        static Inputs random(BatchNormShape s, double[] regime, long seed) {
            Random r = new Random(seed);
            int e = Math.toIntExact(s.elements());
            float[] x = new float[e], z = new float[e], dy = new float[e];
            float[] gamma = new float[s.c()], beta = new float[s.c()], rm = new float[s.c()], rv = new float[s.c()];
            for (int c = 0; c < s.c(); c++) {
                double mean = (c % 2 == 0 ? 1 : -1) * regime[0] * (1 + 0.5 * r.nextDouble());
                double std = regime[1] * (0.5 + r.nextDouble());
                for (int at : Float64.at(s, c)) x[at] = (float) (mean + std * r.nextGaussian());
                gamma[c] = (float) (0.5 + r.nextDouble());
                beta[c] = (float) r.nextGaussian();
                rm[c] = (float) (mean + std * r.nextGaussian());
                rv[c] = (float) (std * std * (0.5 + r.nextDouble()));
            }
            for (int i = 0; i < e; i++) {
                z[i] = (float) r.nextGaussian();
                dy[i] = (float) r.nextGaussian();
            }
            return new Inputs(s, x, gamma, beta, z, dy, rm, rv);
        }
    }

    /**
     * Runs training forward, backward and inference on {@code ops} (the training forward through {@code conv}'s
     * fused 1×1 identity convolution when given) and returns each output's relative L2 error against float64.
     */
    static Map<String, Double> measure(BatchNormOps ops, Backend conv, BatchNormShape s, double[] regime,
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
            BatchNormSaved saved = sc.add(BatchNormSaved.allocate(ops.memory(), s.c()));
            BatchNormRunningStats run = sc.add(new BatchNormRunningStats(sc.full(0f, s.c()), sc.full(0f, s.c()), 0));
            BatchNormTraining call = BatchNormTraining.of(y, saved, x).affine(gamma, beta).residual(z).running(run)
                    .config(cfg);
            if (conv == null) {
                ops.forwardTraining(call);
            } else {
                float[] identity = new float[s.c() * s.c()];
                for (int c = 0; c < s.c(); c++) identity[c * s.c() + c] = 1;
                Tensor w = sc.tensor(identity, s.c(), s.c(), 1, 1);
                conv.conv2d().forwardBatchNormTraining(sc.tensor(in.x(), dims), w, null, Conv2dParams.DEFAULT,
                        call.io(y, sc.full(Float.NaN, dims)));
            }
            Float64 exact = Float64.training(in, affine, f);
            float[] yTrain = y.toArray();
            err.put("y", relL2(yTrain, exact.y));
            err.put("mean", relL2(saved.mean().toArray(), exact.mean));
            err.put("invstd", relL2(saved.invstd().toArray(), exact.invstd));
            err.put("run_mean", relL2(run.mean().toArray(), exact.runMean));
            err.put("run_var", relL2(run.var().toArray(), exact.runVar));
            Tensor dx = sc.full(Float.NaN, dims);
            Tensor dgamma = affine ? sc.full(Float.NaN, s.c()) : null;
            Tensor dbeta = affine ? sc.full(Float.NaN, s.c()) : null;
            Tensor dz = f.hasResidual() ? sc.full(Float.NaN, dims) : null;
            ops.backward(BatchNormBackward.of(dx, sc.tensor(in.dy(), dims), x, saved).affine(gamma, dgamma, dbeta)
                    .forwardOutput(y).residualGradient(dz).config(cfg));
            exact.backward(in, affine, f, yTrain);
            err.put("dx", relL2(dx.toArray(), exact.dx));
            if (affine) {
                err.put("dgamma", relL2(dgamma.toArray(), exact.dgamma));
                err.put("dbeta", relL2(dbeta.toArray(), exact.dbeta));
            }
            if (dz != null) err.put("dz", relL2(dz.toArray(), exact.dz));
            Tensor yInfer = sc.full(Float.NaN, dims);
            ops.forwardInference(BatchNormInference.of(yInfer, x, new BatchNormRunningStats(sc.tensor(in.runMean(),
                    s.c()), sc.tensor(in.runVar(), s.c()), 1)).affine(gamma, beta).residual(z).config(cfg));
            err.put("y_inference", relL2(yInfer.toArray(), Float64.inference(in, affine, f)));
        }
        return err;
    }

    static double relL2(float[] got, double[] ref) {
        double e2 = 0, r2 = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = got[i] - ref[i];
            e2 += Double.isNaN(d) ? Double.POSITIVE_INFINITY : d * d;
            r2 += ref[i] * ref[i];
        }
        if (!(r2 > 0)) throw new AssertionError("the float64 result is all zeros: nothing would be checked");
        return Math.sqrt(e2 / r2);
    }

    /** Batch norm in float64 from the fp32 inputs, written out here apart from the engine's reference. */
    static final class Float64 {
        double[] y, mean, invstd, runMean, runVar, dx, dgamma, dbeta, dz;

        static Float64 training(Inputs in, boolean affine, BatchNormFusion f) {
            BatchNormShape s = in.s();
            Float64 o = new Float64();
            int c = s.c();
            o.mean = new double[c];
            o.invstd = new double[c];
            o.runMean = new double[c];
            o.runVar = new double[c];
            double m = s.perChannel();
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int at : at(s, ch)) sum += in.x()[at];
                double mean = sum / m;
                for (int at : at(s, ch)) sq += (in.x()[at] - mean) * (in.x()[at] - mean);
                o.mean[ch] = mean;
                o.invstd[ch] = 1 / Math.sqrt(sq / m + EPS);
                o.runMean[ch] = 0.1 * mean;
                o.runVar[ch] = 0.1 * sq / (m - 1);
            }
            o.y = normalize(in, affine, f, o.mean, o.invstd);
            return o;
        }

        static double[] inference(Inputs in, boolean affine, BatchNormFusion f) {
            int c = in.s().c();
            double[] mean = new double[c], invstd = new double[c];
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = in.runMean()[ch];
                invstd[ch] = 1 / Math.sqrt(in.runVar()[ch] + EPS);
            }
            return normalize(in, affine, f, mean, invstd);
        }

        private static double[] normalize(Inputs in, boolean affine, BatchNormFusion f, double[] mean,
                double[] invstd) {
            BatchNormShape s = in.s();
            double[] y = new double[in.x().length];
            for (int ch = 0; ch < s.c(); ch++) {
                for (int at : at(s, ch)) {
                    double v = (in.x()[at] - mean[ch]) * invstd[ch];
                    if (affine) v = in.gamma()[ch] * v + in.beta()[ch];
                    if (f.hasResidual()) v += in.z()[at];
                    y[at] = f.hasRelu() && v < 0 ? 0 : v;
                }
            }
            return y;
        }

        /** The ReLU's mask is the implementation's own y (backward's input), so both sides mask alike. */
        void backward(Inputs in, boolean affine, BatchNormFusion f, float[] yGot) {
            BatchNormShape s = in.s();
            double m = s.perChannel();
            dx = new double[in.x().length];
            dz = new double[in.x().length];
            dgamma = new double[s.c()];
            dbeta = new double[s.c()];
            for (int ch = 0; ch < s.c(); ch++) {
                double sg = 0, sgx = 0;
                for (int at : at(s, ch)) {
                    double g = f.hasRelu() && !(yGot[at] > 0) ? 0 : in.dy()[at];
                    sg += g;
                    sgx += g * (in.x()[at] - mean[ch]) * invstd[ch];
                }
                dgamma[ch] = sgx;
                dbeta[ch] = sg;
                double a = (affine ? in.gamma()[ch] : 1) * invstd[ch];
                for (int at : at(s, ch)) {
                    double g = f.hasRelu() && !(yGot[at] > 0) ? 0 : in.dy()[at];
                    double xhat = (in.x()[at] - mean[ch]) * invstd[ch];
                    dx[at] = a * (g - sg / m - xhat * sgx / m);
                    dz[at] = g;
                }
            }
        }

        /** The flat indices of channel ch, in (n, i) order. */
        static int[] at(BatchNormShape s, int ch) {
            int[] out = new int[Math.toIntExact(s.perChannel())];
            int k = 0;
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < s.hw(); i++) out[k++] = (n * s.c() + ch) * s.hw() + i;
            }
            return out;
        }
    }
}
