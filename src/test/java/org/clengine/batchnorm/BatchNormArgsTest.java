package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.clengine.backend.Backend;
import org.clengine.device.Device;
import org.clengine.opencl.OpenClBackend;
import org.clengine.tensor.Tensor;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/** Every bad call is a clear exception naming the problem, on both backends, and nothing runs. */
class BatchNormArgsTest {
    private static final int[] X = {2, 3, 4, 5};

    /** One bad call: a name, the words its message must contain, and the call. */
    private record Case(String name, String words, Function<Backend, Executable> call) {
    }

    @TestFactory
    List<DynamicTest> badCallsFailClearly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            for (Case c : cases()) {
                tests.add(dynamicTest(b.name() + ": " + c.name, () -> {
                    Exception e = assertThrows(RuntimeException.class, c.call.apply(b));
                    assertTrue(e.getMessage() != null && e.getMessage().contains(c.words),
                            "message '" + e.getMessage() + "' should contain '" + c.words + "'");
                }));
            }
        }
        return tests;
    }

    private static List<Case> cases() {
        BatchNormConfig cfg = BatchNormConfig.DEFAULT;
        return List.of(
                new Case("null x", "x is null", b -> () -> train(b, null, t(b, X), cfg)),
                new Case("null y", "y is null", b -> () -> b.batchNormForwardTraining(null, t(b, 3), t(b, 3),
                        t(b, X), null, null, null, null, cfg)),
                new Case("y of another shape", "y has shape [2, 3, 4, 6], expected [2, 3, 4, 5]",
                        b -> () -> train(b, t(b, X), t(b, 2, 3, 4, 6), cfg)),
                new Case("5-D input", "[N,C], [N,C,L] or [N,C,H,W]", b -> () -> train(b, t(b, 1, 2, 3, 4, 5),
                        t(b, 1, 2, 3, 4, 5), cfg)),
                new Case("one value per channel", "expected more than 1 value per channel when training, got "
                        + "input size [1, 3]", b -> () -> train(b, t(b, 1, 3), t(b, 1, 3), cfg)),
                new Case("one value per channel 4-D", "more than 1 value per channel",
                        b -> () -> train(b, t(b, 1, 3, 1, 1), t(b, 1, 3, 1, 1), cfg)),
                new Case("gamma of wrong length", "gamma has shape [4], expected [3]",
                        b -> () -> b.batchNormForwardTraining(t(b, X), t(b, 3), t(b, 3), t(b, X), t(b, 4), t(b, 4),
                                null, null, cfg)),
                new Case("gamma without beta", "gamma and beta must both be given",
                        b -> () -> b.batchNormForwardTraining(t(b, X), t(b, 3), t(b, 3), t(b, X), t(b, 3), null,
                                null, null, cfg)),
                new Case("saveMean of wrong length", "saveMean has shape [2], expected [3]",
                        b -> () -> b.batchNormForwardTraining(t(b, X), t(b, 2), t(b, 3), t(b, X), null, null, null,
                                null, cfg)),
                new Case("running var of wrong length", "running var has shape [5], expected [3]",
                        b -> () -> b.batchNormForwardTraining(t(b, X), t(b, 3), t(b, 3), t(b, X), null, null, null,
                                new BatchNormRunningStats(t(b, 3), t(b, 5), 0), cfg)),
                new Case("residual missing for add+relu", "residual is required",
                        b -> () -> train(b, t(b, X), t(b, X), cfg.withFusion(BatchNormFusion.ADD_RELU))),
                new Case("residual given without add+relu", "residual must be null",
                        b -> () -> b.batchNormForwardTraining(t(b, X), t(b, 3), t(b, 3), t(b, X), null, null,
                                t(b, X), null, cfg)),
                new Case("closed x", "x [2, 3, 4, 5] is closed", b -> () -> {
                    Tensor x = t(b, X);
                    x.close();
                    train(b, x, t(b, X), cfg);
                }),
                new Case("tensor of another backend", "belongs to backend", b -> () -> train(b, t(other(b), X),
                        t(b, X), cfg)),
                new Case("inference without running var", "running var is null",
                        b -> () -> b.batchNormForwardInference(t(b, X), t(b, X), null, null, null, t(b, 3), null,
                                cfg)),
                new Case("backward without the relu mask", "y is required when the fusion is RELU",
                        b -> () -> b.batchNormBackward(t(b, X), null, null, null, t(b, X), t(b, X), null, null,
                                t(b, 3), t(b, 3), cfg.withFusion(BatchNormFusion.RELU))),
                new Case("dgamma without gamma", "dgamma and dbeta must be null when gamma is null",
                        b -> () -> b.batchNormBackward(t(b, X), t(b, 3), null, null, t(b, X), t(b, X), null, null,
                                t(b, 3), t(b, 3), cfg)),
                new Case("dx of another shape", "dx has shape [2, 3, 4, 4]",
                        b -> () -> b.batchNormBackward(t(b, 2, 3, 4, 4), null, null, null, t(b, X), t(b, X), null,
                                null, t(b, 3), t(b, 3), cfg)),
                new Case("dresidual missing", "dresidual is required",
                        b -> () -> b.batchNormBackward(t(b, X), null, null, null, t(b, X), t(b, X), t(b, X), null,
                                t(b, 3), t(b, 3), cfg.withFusion(BatchNormFusion.ADD_RELU))),
                new Case("null config", "config is null", b -> () -> train(b, t(b, X), t(b, X), null)),
                new Case("data of wrong length", "data has 5 floats, shape [2, 3] needs 6",
                        b -> () -> b.tensor(new float[5], 2, 3)),
                new Case("zero size", "has a dimension of 0", b -> () -> b.full(1f, 2, 0, 3)),
                new Case("negative size", "has a dimension of -3", b -> () -> b.full(1f, -3)),
                new Case("int overflow", "more than 2^31 elements", b -> () -> b.full(1f, 65536, 65536)),
                new Case("null data", "data is null", b -> () -> b.tensor(null, 2)));
    }

    /** Config errors need no backend. */
    @TestFactory
    List<DynamicTest> badConfigsFailClearly() {
        return List.of(
                dynamicTest("momentum > 1", () -> assertMessage("momentum must be in [0, 1]",
                        () -> BatchNormConfig.DEFAULT.withMomentum(1.5))),
                dynamicTest("momentum < 0", () -> assertMessage("momentum must be in [0, 1]",
                        () -> BatchNormConfig.DEFAULT.withMomentum(-0.1))),
                dynamicTest("momentum NaN", () -> assertMessage("momentum must be in [0, 1]",
                        () -> BatchNormConfig.DEFAULT.withMomentum(Double.NaN))),
                dynamicTest("eps 0", () -> assertMessage("eps must be positive", () -> BatchNormConfig.DEFAULT
                        .withEps(0))),
                dynamicTest("eps negative", () -> assertMessage("eps must be positive",
                        () -> BatchNormConfig.DEFAULT.withEps(-1e-5))),
                dynamicTest("eps NaN", () -> assertMessage("eps must be positive", () -> BatchNormConfig.DEFAULT
                        .withEps(Double.NaN))),
                dynamicTest("bad descriptor", () -> assertMessage("is not a batch norm descriptor",
                        () -> BatchNormShape.parse("mb2xc3"))));
    }

    private static void assertMessage(String words, Executable call) {
        Exception e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    private static void train(Backend b, Tensor x, Tensor y, BatchNormConfig cfg) {
        int c = x == null ? 3 : x.dim(1);
        b.batchNormForwardTraining(y, t(b, c), t(b, c), x, null, null, null, null, cfg);
    }

    private static Tensor t(Backend b, int... shape) {
        return b.full(0.5f, shape);
    }

    /** A backend other than b: the reference for OpenCL; a second OpenCL device context for the reference. */
    private static Backend other(Backend b) {
        if (b instanceof OpenClBackend) return TestBackends.REFERENCE;
        return OTHER_DEVICE;
    }

    private static final Backend OTHER_DEVICE = otherDevice();

    private static Backend otherDevice() {
        OpenClBackend first = TestBackends.openCl();
        OpenClBackend second = new OpenClBackend(Device.open(first.device().info()));
        Runtime.getRuntime().addShutdownHook(new Thread(second.device()::close));
        return second;
    }
}
