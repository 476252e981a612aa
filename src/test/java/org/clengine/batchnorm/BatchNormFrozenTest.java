package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.clengine.batchnorm.BatchNormExactnessTest.Inputs;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.FiniteDifferences;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Frozen batch norm (torchvision's FrozenBatchNorm2d): training mode on the running statistics. Forward is
 * inference's output bitwise and updates nothing; backward is dx = gamma·invstd·g, dgamma = Σ g·x̂, dbeta = Σ g
 * with x̂ from the running statistics, checked against float64 on both backends and every OpenCL path, and the
 * reference's against finite differences.
 */
class BatchNormFrozenTest {
    private static final BatchNormConfig FROZEN = BatchNormConfig.DEFAULT.withFrozen(true);

    @TestFactory
    List<DynamicTest> frozenMatchesFloat64() {
        long seed = TestBackends.seed();
        BatchNormPolicy base = TestBackends.policy().batchNorm();
        List<BatchNormOps> impls = new ArrayList<>(List.of(TestBackends.REFERENCE.batchNorm(),
                TestBackends.openCl().batchNorm()));
        for (boolean positions : new boolean[] {false, true}) {
            impls.add(new BatchNormOpenCl(TestBackends.device(), base.withFixed(new BatchNormTuning(37, 29, 3, 5, 0,
                    3, 3).withPositionsPath(positions))));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (int k = 0; k < impls.size(); k++) {
            BatchNormOps ops = impls.get(k);
            // mb1ic4: one value per channel, which frozen (unlike training) allows
            for (String d : List.of("mb8ic3ih17iw19", "mb64ic5ih2iw3", "mb200ic37", "mb1ic4")) {
                for (BatchNormFusion f : BatchNormFusion.values()) {
                    if (d.equals("mb1ic4") && f.hasRelu()) continue; // 4 values: a ReLU may leave no gradient
                    for (double[] regime : new double[][] {{1, 1}, {1e4, 1e-2}}) {
                        String name = "impl " + k + " " + d + " " + f + " mean " + regime[0] + " seed=" + seed;
                        tests.add(dynamicTest(name, () -> check(ops, BatchNormShape.parse(d), f, regime, seed)));
                    }
                }
            }
        }
        return tests;
    }

    private static void check(BatchNormOps ops, BatchNormShape s, BatchNormFusion f, double[] regime, long seed) {
        Inputs in = Inputs.random(s, regime, seed);
        BatchNormConfig cfg = FROZEN.withFusion(f);
        int[] dims = s.dims();
        try (TensorScope sc = new TensorScope(ops.memory())) {
            Tensor x = sc.tensor(in.x(), dims);
            Tensor gamma = sc.tensor(in.gamma(), s.c()), beta = sc.tensor(in.beta(), s.c());
            Tensor z = f.hasResidual() ? sc.tensor(in.z(), dims) : null;
            BatchNormRunningStats run = sc.add(new BatchNormRunningStats(sc.tensor(in.runMean(), s.c()),
                    sc.tensor(in.runVar(), s.c()), sc.full(0f, s.c()), 7));
            Tensor y = sc.full(Float.NaN, dims);
            BatchNormSaved saved = sc.add(BatchNormSaved.allocate(ops.memory(), s.c()));
            ops.forwardTraining(BatchNormTraining.of(y, saved, x).affine(gamma, beta).residual(z).running(run)
                    .config(cfg));
            Tensor yInfer = sc.full(Float.NaN, dims);
            ops.forwardInference(BatchNormInference.of(yInfer, x, run).affine(gamma, beta).residual(z).config(cfg));
            String what = s + " " + f;
            assertArrayEquals(yInfer.toArray(), y.toArray(), what + ": frozen forward is not inference's output");
            assertArrayEquals(in.runMean(), run.mean().toArray(), what + ": running mean changed");
            assertArrayEquals(in.runVar(), run.var().toArray(), what + ": running var changed");
            assertEquals(7, run.batchesTracked(), what + ": a frozen forward counted a batch");
            Tensor dx = sc.full(Float.NaN, dims), dgamma = sc.full(Float.NaN, s.c()), dbeta = sc.full(Float.NaN,
                    s.c());
            Tensor dz = f.hasResidual() ? sc.full(Float.NaN, dims) : null;
            ops.backward(BatchNormBackward.of(dx, sc.tensor(in.dy(), dims), x, saved).affine(gamma, dgamma, dbeta)
                    .forwardOutput(y).residualGradient(dz).config(cfg));
            double[][] exact = float64Backward(in, f, y.toArray());
            double limit = Tolerance.BATCHNORM_FORWARD.relL2();
            double[] err = {BatchNormExactnessTest.relL2(y.toArray(), BatchNormExactnessTest.Float64.inference(in,
                    true, f)), BatchNormExactnessTest.relL2(dx.toArray(), exact[0]),
                BatchNormExactnessTest.relL2(dgamma.toArray(), exact[1]),
                BatchNormExactnessTest.relL2(dbeta.toArray(), exact[2])};
            String[] names = {"y", "dx", "dgamma", "dbeta"};
            for (int i = 0; i < err.length; i++) {
                assertTrue(err[i] <= limit, what + ": " + names[i] + " relative L2 error " + err[i]);
            }
        }
    }

    /** {dx, dgamma, dbeta} in float64 from the running statistics; the ReLU mask from the implementation's y. */
    private static double[][] float64Backward(Inputs in, BatchNormFusion f, float[] y) {
        BatchNormShape s = in.s();
        double[] dx = new double[in.x().length], dgamma = new double[s.c()], dbeta = new double[s.c()];
        for (int c = 0; c < s.c(); c++) {
            double invstd = 1 / Math.sqrt(in.runVar()[c] + 1e-5);
            for (int at : BatchNormExactnessTest.Float64.at(s, c)) {
                double g = f.hasRelu() && !(y[at] > 0) ? 0 : in.dy()[at];
                dx[at] = in.gamma()[c] * invstd * g;
                dgamma[c] += g * (in.x()[at] - in.runMean()[c]) * invstd;
                dbeta[c] += g;
            }
        }
        return new double[][] {dx, dgamma, dbeta};
    }

    /** The reference's frozen backward is the derivative of its frozen forward: central differences in double. */
    @Test
    void referenceBackwardMatchesFiniteDifferences() {
        BatchNormShape s = BatchNormShape.parse("mb3ic2ih2iw3");
        for (BatchNormFusion f : BatchNormFusion.values()) {
            Inputs in = Inputs.random(s, new double[] {1, 1}, 42 + f.ordinal());
            double[] x = FiniteDifferences.toDouble(in.x()), gamma = FiniteDifferences.toDouble(in.gamma());
            double[] beta = FiniteDifferences.toDouble(in.beta()), w = FiniteDifferences.toDouble(in.dy());
            int e = x.length;
            float[] y = new float[e], mean = new float[s.c()], invstd = new float[s.c()];
            BatchNormReference.forwardFrozen(y, mean, invstd, null, in.x(), in.gamma(), in.beta(),
                    f.hasResidual() ? in.z() : null, in.runMean(), in.runVar(), s, 1e-5, f);
            float[] dx = new float[e], dgamma = new float[s.c()], dbeta = new float[s.c()];
            BatchNormReference.backward(dx, dgamma, dbeta, f.hasResidual() ? new float[e] : null, in.dy(), in.x(), y,
                    in.gamma(), mean, null, invstd, s, f, true);
            DoubleSupplier loss = () -> {
                double total = 0;
                for (int c = 0; c < s.c(); c++) {
                    double is = 1 / Math.sqrt(in.runVar()[c] + 1e-5);
                    for (int at : BatchNormExactnessTest.Float64.at(s, c)) {
                        double v = gamma[c] * (x[at] - in.runMean()[c]) * is + beta[c];
                        if (f.hasResidual()) v += in.z()[at];
                        total += w[at] * (f.hasRelu() && v < 0 ? 0 : v);
                    }
                }
                return total;
            };
            FiniteDifferences.check(f + " frozen dx", dx, x, loss, 1e-6, 1e-5);
            FiniteDifferences.check(f + " frozen dgamma", dgamma, gamma, loss, 1e-6, 1e-5);
            FiniteDifferences.check(f + " frozen dbeta", dbeta, beta, loss, 1e-6, 1e-5);
        }
    }
}
