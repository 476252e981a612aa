package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.backend.OpenClBackend;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.Test;

class BatchNormFoldingTest {

    /** conv(x, folded w) + folded bias matches conv → BN(inference), both on the device. */
    @Test
    void foldedConvolutionMatchesConvolutionThenBatchNorm() {
        OpenClBackend b = TestBackends.openCl();
        long seed = TestBackends.seed();
        for (String d : new String[] {"mb2ic6ih9oc8kh3ph1", "g2mb1ic4ih7oc6kh3sh2ph1"}) {
            Conv2dShape s = Conv2dShape.parse(d);
            RandomFill r = new RandomFill(seed);
            float[] x = r.normal(Tensor.elementCount(s.xDims()));
            float[] w = r.normal(Tensor.elementCount(s.wDims()));
            float[] bias = r.normal(s.k()), gamma = r.uniform(s.k(), 0.5, 1.5), beta = r.normal(s.k());
            float[] mean = r.normal(s.k()), var = r.uniform(s.k(), 0.5, 2);
            BatchNormFolding.Folded f = BatchNormFolding.fold(w, bias, gamma, beta, mean, var, 1e-5, s.k());
            try (TensorScope sc = new TensorScope(b.memory())) {
                Tensor xt = sc.tensor(x, s.xDims());
                Tensor conv = sc.full(Float.NaN, s.yDims());
                Tensor bn = sc.full(Float.NaN, s.yDims());
                b.conv2d().forward(conv, xt, sc.tensor(w, s.wDims()), sc.tensor(bias, s.k()), s.params());
                BatchNormRunningStats stats = new BatchNormRunningStats(sc.tensor(mean, s.k()), sc.tensor(var, s.k()),
                        1);
                b.batchNorm().forwardInference(BatchNormInference.of(bn, conv, stats)
                        .affine(sc.tensor(gamma, s.k()), sc.tensor(beta, s.k())));
                Tensor folded = sc.full(Float.NaN, s.yDims());
                b.conv2d().forward(folded, xt, sc.tensor(f.weights(), s.wDims()), sc.tensor(f.bias(), s.k()),
                        s.params());
                Comparison c = Comparison.of("y", bn.toArray(), folded.toArray(), new Tolerance(1e-5, 1e-5));
                assertTrue(c.passed(), d + " seed=" + seed + ": " + c);
            }
        }
    }
}
