package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.testing.FiniteDifferences;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The oracle itself: hand-worked cases, and backward against central finite differences in double. */
class BatchNormReferenceTest {
    private static final double EPS = 1e-5;

    @Test
    void handWorkedSingleChannel() {
        // x = 1,2,3,4: mean 2.5, biased var 1.25, unbiased 5/3
        BatchNormShape s = BatchNormShape.parse("mb4ic1");
        float[] y = new float[4], mean = new float[1], invstd = new float[1];
        float[] rm = {0}, rv = {1};
        BatchNormReference.forwardTraining(y, mean, invstd, rm, rv, new float[] {1, 2, 3, 4}, new float[] {2},
                new float[] {1}, null, s, EPS, new BatchNormRunningStats.Update(0.9, 0.1, 4, true),
                BatchNormFusion.NONE);
        double is = 1 / Math.sqrt(1.25 + EPS);
        assertEquals(2.5f, mean[0]);
        assertEquals((float) is, invstd[0]);
        for (int i = 0; i < 4; i++) assertEquals((float) (2 * (i + 1 - 2.5) * is + 1), y[i], 1e-6);
        assertEquals(0.25f, rm[0], 1e-7);
        assertEquals((float) (0.9 + 0.1 * 5.0 / 3), rv[0], 1e-7);
    }

    @Test
    void onnxConventionWeightsTheOldValueAndKeepsTheBiasedVariance() {
        BatchNormConfig onnx = BatchNormConfig.DEFAULT.withConvention(MomentumConvention.ONNX).withMomentum(0.9);
        BatchNormRunningStats.Update u = BatchNormRunningStats.update(onnx, 1, 4);
        assertEquals(0.9, u.oldWeight(), 1e-15);
        assertEquals(1f, u.varScale());
        float[] rm = {0}, rv = {1};
        BatchNormReference.forwardTraining(new float[4], new float[1], new float[1], rm, rv,
                new float[] {1, 2, 3, 4}, null, null, null, BatchNormShape.parse("mb4ic1"), EPS, u,
                BatchNormFusion.NONE);
        assertEquals(0.25f, rm[0], 1e-7);
        assertEquals(1.025f, rv[0], 1e-7);
    }

    @Test
    void cumulativeAverageWeightsEachBatchEqually() {
        BatchNormConfig cumulative = BatchNormConfig.DEFAULT.withMomentum(null);
        assertEquals(1.0, BatchNormRunningStats.update(cumulative, 1, 4).newWeight());
        assertEquals(1.0 / 3, BatchNormRunningStats.update(cumulative, 3, 4).newWeight(), 1e-15);
    }

    /** Each training call through the ops counts one batch; without running statistics nothing is counted. */
    @Test
    void theOpsCountEachBatchOnce() {
        BatchNormReference ops = new BatchNormReference();
        BatchNormShape s = BatchNormShape.parse("mb4ic1");
        try (org.clengine.core.TensorScope scope = new org.clengine.core.TensorScope(ops.memory())) {
            BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(ops.memory(), 1));
            BatchNormSaved saved = scope.add(BatchNormSaved.allocate(ops.memory(), 1));
            BatchNormTraining call = BatchNormTraining.of(scope.full(0f, s.dims()), saved,
                    scope.tensor(new float[] {1, 2, 3, 4}, s.dims())).running(running);
            ops.forwardTraining(call);
            ops.forwardTraining(call);
            ops.forwardTraining(call.running(null));
            assertEquals(2, running.batchesTracked());
            assertEquals((float) (0.9 * 0.9 + 0.1 * 0.9 * 5.0 / 3 + 0.1 * 5.0 / 3), running.var().toArray()[0],
                    1e-6);
        }
    }

    @Test
    void channelsAreIndexedAsNchw() {
        // mb2ic2ih1iw2: channel 0 holds x[0,0,:] = 1,2 and x[1,0,:] = 5,6; channel 1 the rest
        float[] x = {1, 2, 10, 20, 5, 6, 30, 40};
        float[] mean = new float[2];
        BatchNormReference.forwardTraining(new float[8], mean, new float[2], null, null, x, null, null, null,
                BatchNormShape.parse("mb2ic2ih1iw2"), EPS, null, BatchNormFusion.NONE);
        assertEquals(3.5f, mean[0]);
        assertEquals(25f, mean[1]);
    }

    @Test
    void reluKeepsNaNAndZeroesNegatives() {
        float[] y = new float[3];
        BatchNormReference.forwardInference(y, new float[] {-1, 1, Float.NaN}, null, null, null, new float[] {0},
                new float[] {1}, BatchNormShape.parse("mb3ic1"), 0.0001, BatchNormFusion.RELU);
        assertEquals(0f, y[0]);
        assertTrue(y[1] > 0);
        assertTrue(Float.isNaN(y[2]));
    }

    /** loss = Σ w·y; its gradients by central differences in double must match backward. */
    @ParameterizedTest
    @EnumSource(BatchNormFusion.class)
    void backwardMatchesFiniteDifferences(BatchNormFusion fusion) {
        for (boolean affine : new boolean[] {true, false}) {
            BatchNormShape s = BatchNormShape.parse("mb3ic2ih2iw3");
            RandomFill r = new RandomFill(42 + fusion.ordinal());
            int e = (int) s.elements();
            double[] x = FiniteDifferences.toDouble(r.perChannel(s.n(), s.c(), s.hw(), 2, 1));
            double[] gamma = affine ? FiniteDifferences.toDouble(r.uniform(s.c(), 0.5, 1.5)) : ones(s.c());
            double[] beta = affine ? FiniteDifferences.toDouble(r.normal(s.c())) : new double[s.c()];
            double[] z = fusion.hasResidual() ? FiniteDifferences.toDouble(r.normal(e)) : null;
            double[] w = FiniteDifferences.toDouble(r.normal(e));

            float[] y = new float[e], mean = new float[s.c()], invstd = new float[s.c()];
            BatchNormReference.forwardTraining(y, mean, invstd, null, null, toFloat(x), affine ? toFloat(gamma) : null,
                    affine ? toFloat(beta) : null, z == null ? null : toFloat(z), s, EPS, null, fusion);
            float[] dx = new float[e], dgamma = new float[s.c()], dbeta = new float[s.c()];
            float[] dz = fusion.hasResidual() ? new float[e] : null;
            BatchNormReference.backward(dx, affine ? dgamma : null, affine ? dbeta : null, dz, toFloat(w),
                    toFloat(x), y, affine ? toFloat(gamma) : null, mean, invstd, s, fusion);

            String what = fusion + (affine ? "" : " affine=false");
            java.util.function.DoubleSupplier f = () -> loss(x, gamma, beta, z, w, s, fusion);
            FiniteDifferences.check(what + " dx", dx, x, f, 1e-6, 1e-5);
            if (affine) {
                FiniteDifferences.check(what + " dgamma", dgamma, gamma, f, 1e-6, 1e-5);
                FiniteDifferences.check(what + " dbeta", dbeta, beta, f, 1e-6, 1e-5);
            }
            if (z != null) FiniteDifferences.check(what + " dz", dz, z, f, 1e-6, 1e-5);
        }
    }


    /** The forward pass written out in double, independent of the reference's code. */
    private static double loss(double[] x, double[] gamma, double[] beta, double[] z, double[] w, BatchNormShape s,
            BatchNormFusion fusion) {
        int hw = s.hw(), c = s.c();
        double m = s.perChannel(), total = 0;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int n = 0; n < s.n(); n++) for (int i = 0; i < hw; i++) sum += x[(n * c + ch) * hw + i];
            double mean = sum / m;
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < hw; i++) sq += Math.pow(x[(n * c + ch) * hw + i] - mean, 2);
            }
            double invstd = 1 / Math.sqrt(sq / m + EPS);
            for (int n = 0; n < s.n(); n++) {
                for (int i = 0; i < hw; i++) {
                    int at = (n * c + ch) * hw + i;
                    double v = gamma[ch] * (x[at] - mean) * invstd + beta[ch];
                    if (fusion.hasResidual()) v += z[at];
                    if (fusion.hasRelu()) v = Math.max(v, 0);
                    total += w[at] * v;
                }
            }
        }
        return total;
    }


    private static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    private static double[] ones(int n) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, 1);
        return out;
    }
}
