package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.clengine.core.DType;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** 16-bit batch norm on hard data: a mean that dwarfs the spread, and NaN in the input. */
class HalfBatchNormNumericsTest {
    private final BatchNormOps device = TestBackends.openCl().batchNorm();
    private final BatchNormOps reference = TestBackends.REFERENCE.batchNorm();
    private final long seed = TestBackends.seed();

    /**
     * Mean 1e4, std 1e-2 (the fp32 suite's hard case) and mean 1e3, std 1. In 16 bits the input itself is coarse
     * (ulp(1e4) is 8 in F16, 64 in BF16: the first set rounds to one value a channel, variance 0), so the device is
     * held to the reference computed from the same rounded input, forward and backward, on both paths.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void largeMeanSmallSpreadMatchesTheReferenceOnTheRoundedInput(DType act) {
        for (double[] meanStd : new double[][] {{1e4, 1e-2}, {1e3, 1}}) {
            for (String d : List.of("mb32ic3ih17iw19", "mb512ic5")) {
                BatchNormShape s = BatchNormShape.parse(d);
                BatchNormVerifier.Inputs in = shifted(BatchNormVerifier.Inputs.random(s, seed), meanStd).rounded(act);
                for (BatchNormVariant v : List.of(BatchNormVariant.TRAIN, BatchNormVariant.TRAIN_ADD_RELU,
                        BatchNormVariant.BWD, BatchNormVariant.BWD_RELU)) {
                    List<Comparison> result = BatchNormVerifier.run(device, reference, in, v, act);
                    assertTrue(result.stream().allMatch(Comparison::passed), () -> act + " " + d + " mean "
                            + meanStd[0] + " std " + meanStd[1] + " " + v.label() + " seed " + seed + ":\n"
                            + result.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
                }
            }
        }
    }

    private BatchNormVerifier.Inputs shifted(BatchNormVerifier.Inputs in, double[] meanStd) {
        BatchNormShape s = in.shape();
        float[] x = new RandomFill(seed).perChannel(s.n(), s.c(), s.hw(), 0, meanStd[1]);
        for (int i = 0; i < x.length; i++) x[i] += (float) meanStd[0];
        return new BatchNormVerifier.Inputs(s, x, x.clone(), in.gamma(), in.beta(), in.z(), in.dy(), in.runMean(),
                in.runVar());
    }

    /** One NaN in channel 0 of x: every y of channel 0 is NaN, the other channels are not, on both backends. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void nanInGivesNanOut(DType act) {
        for (String d : List.of("mb4ic3ih5iw7", "mb64ic3")) {
            BatchNormShape s = BatchNormShape.parse(d);
            BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed).rounded(act);
            in.x()[s.hw() - 1] = Float.NaN; // sample 0, channel 0 (its pivot when H·W = 1)
            in.dy()[0] = Float.NaN;
            for (BatchNormOps ops : List.of(device, reference)) {
                Map<String, float[]> fwd = BatchNormVerifier.outputs(ops, in, BatchNormVariant.TRAIN, act);
                Map<String, float[]> bwd = BatchNormVerifier.outputs(ops, in, BatchNormVariant.BWD, act);
                for (int i = 0; i < s.elements(); i++) {
                    boolean channel0 = (i / s.hw()) % s.c() == 0;
                    String where = act + " " + d + " " + ops.memory().name() + " element " + i;
                    assertEquals(channel0, Float.isNaN(fwd.get("y")[i]), "y, " + where);
                    assertEquals(channel0, Float.isNaN(bwd.get("dx")[i]), "dx, " + where);
                }
            }
        }
    }
}
