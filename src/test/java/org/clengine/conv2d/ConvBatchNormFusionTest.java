package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Conv → BN statistics fused: bitwise the unfused result on the device, and the reference's within tolerance. */
class ConvBatchNormFusionTest {

    /** Several image chunks, batch 1, an odd batch, and H·W < 16 (BN's positions path: runs unfused). */
    @ParameterizedTest
    @ValueSource(strings = {"mb5ic3ih17oc6kh3ph1", "mb1ic4ih20oc3kh3ph1", "mb7ic2ih9iw11oc5kh3sh2ph1",
            "mb4ic3ih3oc8kh3ph1", "mb3ic8ih70oc2kh1"})
    void fusedEqualsUnfusedBitForBit(String d) {
        Conv2dShape s = Conv2dShape.parse(d);
        long seed = TestBackends.seed();
        for (BatchNormFusion f : BatchNormFusion.values()) {
            BatchNormConfig cfg = BatchNormConfig.DEFAULT.withFusion(f);
            List<float[]> fused = run(TestBackends.openCl(), s, cfg, seed, true);
            List<float[]> unfused = run(TestBackends.openCl(), s, cfg, seed, false);
            for (int i = 0; i < fused.size(); i++) {
                assertArrayEquals(unfused.get(i), fused.get(i), d + " " + f + " output " + i + " seed=" + seed);
            }
            List<float[]> reference = run(TestBackends.REFERENCE, s, cfg, seed, true);
            for (int i = 0; i < fused.size(); i++) {
                Comparison c = Comparison.of("output " + i, reference.get(i), fused.get(i), new Tolerance(1e-5, 1e-4));
                assertTrue(c.passed(), d + " " + f + " seed=" + seed + ": " + c);
            }
        }
    }

    /** conv, y, save mean, save invstd, running mean, running var. */
    private static List<float[]> run(Backend b, Conv2dShape s, BatchNormConfig cfg, long seed, boolean fused) {
        RandomFill r = new RandomFill(seed);
        try (TensorScope sc = new TensorScope(b.memory())) {
            Tensor x = sc.tensor(r.normal(Tensor.elementCount(s.xDims())), s.xDims());
            Tensor w = sc.tensor(r.normal(Tensor.elementCount(s.wDims())), s.wDims());
            Tensor bias = sc.tensor(r.normal(s.k()), s.k());
            Tensor gamma = sc.tensor(r.uniform(s.k(), 0.5, 1.5), s.k());
            Tensor beta = sc.tensor(r.normal(s.k()), s.k());
            Tensor z = cfg.fusion().hasResidual() ? sc.tensor(r.normal(Tensor.elementCount(s.yDims())), s.yDims())
                    : null;
            Tensor conv = sc.full(Float.NaN, s.yDims()), y = sc.full(Float.NaN, s.yDims());
            BatchNormSaved saved = new BatchNormSaved(sc.full(Float.NaN, s.k()), sc.full(Float.NaN, s.k()));
            BatchNormRunningStats run = sc.add(BatchNormRunningStats.create(b.memory(), s.k()));
            BatchNormTraining bn = BatchNormTraining.of(y, saved, conv).affine(gamma, beta).residual(z).running(run)
                    .config(cfg);
            if (fused) {
                b.conv2d().forwardBatchNormTraining(x, w, bias, s.params(), bn);
            } else {
                b.conv2d().forward(conv, x, w, bias, s.params());
                b.batchNorm().forwardTraining(bn);
            }
            return new ArrayList<>(List.of(conv.toArray(), y.toArray(), saved.mean().toArray(),
                    saved.invstd().toArray(), run.mean().toArray(), run.var().toArray()));
        }
    }
}
