package org.clengine.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.ClEngineException;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.pooling.Pool2dParams;
import org.clengine.sgd.SgdParams;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;

/**
 * Bad calls to the public API, each with the words its exception must contain. Run on every backend by the tests
 * and by {@code verify}: a case passes when the call raises IllegalArgumentException or the engine's exception
 * naming the problem; no exception, another exception, or a crash fails it.
 */
public final class BadInputCases {
    private BadInputCases() {
    }

    /** What a case gets: the backend under test, a scope for its tensors, and a backend of another device. */
    public record Context(Backend b, TensorScope scope, Backend other, TensorScope otherScope) {
        public Tensor t(int... shape) {
            return scope.full(0.5f, shape);
        }

        public Tensor foreign(int... shape) {
            return otherScope.full(0.5f, shape);
        }
    }

    public record Case(String op, String name, String words, Consumer<Context> call) {
    }

    public record Outcome(Case c, String backend, boolean passed, String message) {
    }

    /** Runs every case on {@code b}; {@code other} must be a different backend (another device or the reference). */
    public static List<Outcome> run(Backend b, Backend other) {
        List<Outcome> out = new ArrayList<>();
        for (Case c : all()) out.add(run(c, b, other));
        return out;
    }

    public static Outcome run(Case c, Backend b, Backend other) {
        try (TensorScope s = new TensorScope(b); TensorScope o = new TensorScope(other)) {
            c.call().accept(new Context(b, s, other, o));
            return new Outcome(c, b.name(), false, "no exception");
        } catch (IllegalArgumentException | ClEngineException e) {
            String m = String.valueOf(e.getMessage());
            return new Outcome(c, b.name(), m.contains(c.words()), m);
        } catch (RuntimeException e) {
            return new Outcome(c, b.name(), false, e.toString());
        }
    }

    private static final int[] X = {2, 3, 4, 5};

    public static List<Case> all() {
        BatchNormConfig cfg = BatchNormConfig.DEFAULT;
        List<Case> cases = new ArrayList<>(List.of(
                bn("null x", "x is null", c -> train(c, null, c.t(X), cfg)),
                bn("null y", "y is null", c -> c.b().batchNormForwardTraining(null, c.t(3), c.t(3), c.t(X), null,
                        null, null, null, cfg)),
                bn("y of another shape", "y has shape [2, 3, 4, 6], expected [2, 3, 4, 5]",
                        c -> train(c, c.t(X), c.t(2, 3, 4, 6), cfg)),
                bn("5-D input", "[N,C], [N,C,L] or [N,C,H,W]", c -> train(c, c.t(1, 2, 3, 4, 5), c.t(1, 2, 3, 4, 5),
                        cfg)),
                bn("one value per channel", "expected more than 1 value per channel when training, got input size "
                        + "[1, 3]", c -> train(c, c.t(1, 3), c.t(1, 3), cfg)),
                bn("one value per channel 4-D", "more than 1 value per channel",
                        c -> train(c, c.t(1, 3, 1, 1), c.t(1, 3, 1, 1), cfg)),
                bn("gamma of wrong length", "gamma has shape [4], expected [3]",
                        c -> c.b().batchNormForwardTraining(c.t(X), c.t(3), c.t(3), c.t(X), c.t(4), c.t(4), null, null,
                                cfg)),
                bn("gamma without beta", "gamma and beta must both be given",
                        c -> c.b().batchNormForwardTraining(c.t(X), c.t(3), c.t(3), c.t(X), c.t(3), null, null, null,
                                cfg)),
                bn("saveMean of wrong length", "saveMean has shape [2], expected [3]",
                        c -> c.b().batchNormForwardTraining(c.t(X), c.t(2), c.t(3), c.t(X), null, null, null, null,
                                cfg)),
                bn("running var of wrong length", "running var has shape [5], expected [3]",
                        c -> c.b().batchNormForwardTraining(c.t(X), c.t(3), c.t(3), c.t(X), null, null, null,
                                new BatchNormRunningStats(c.t(3), c.t(5), 0), cfg)),
                bn("residual missing for add+relu", "residual is required",
                        c -> train(c, c.t(X), c.t(X), cfg.withFusion(BatchNormFusion.ADD_RELU))),
                bn("residual given without add+relu", "residual must be null",
                        c -> c.b().batchNormForwardTraining(c.t(X), c.t(3), c.t(3), c.t(X), null, null, c.t(X), null,
                                cfg)),
                bn("closed x", "x [2, 3, 4, 5] is closed", c -> {
                    Tensor x = c.t(X);
                    x.close();
                    train(c, x, c.t(X), cfg);
                }),
                bn("tensor of another backend", "belongs to backend", c -> train(c, c.foreign(X), c.t(X), cfg)),
                bn("inference without running var", "running var is null",
                        c -> c.b().batchNormForwardInference(c.t(X), c.t(X), null, null, null, c.t(3), null, cfg)),
                bn("backward without the relu mask", "y is required when the fusion is RELU",
                        c -> c.b().batchNormBackward(c.t(X), null, null, null, c.t(X), c.t(X), null, null, c.t(3),
                                c.t(3), cfg.withFusion(BatchNormFusion.RELU))),
                bn("dgamma without gamma", "dgamma and dbeta must be null when gamma is null",
                        c -> c.b().batchNormBackward(c.t(X), c.t(3), null, null, c.t(X), c.t(X), null, null, c.t(3),
                                c.t(3), cfg)),
                bn("dx of another shape", "dx has shape [2, 3, 4, 4]",
                        c -> c.b().batchNormBackward(c.t(2, 3, 4, 4), null, null, null, c.t(X), c.t(X), null, null,
                                c.t(3), c.t(3), cfg)),
                bn("dresidual missing", "dresidual is required",
                        c -> c.b().batchNormBackward(c.t(X), null, null, null, c.t(X), c.t(X), c.t(X), null, c.t(3),
                                c.t(3), cfg.withFusion(BatchNormFusion.ADD_RELU))),
                bn("null config", "config is null", c -> train(c, c.t(X), c.t(X), null)),
                bn("momentum > 1", "momentum must be in [0, 1]", c -> cfg.withMomentum(1.5)),
                bn("momentum NaN", "momentum must be in [0, 1]", c -> cfg.withMomentum(Double.NaN)),
                bn("eps 0", "eps must be positive", c -> cfg.withEps(0)),
                bn("eps negative", "eps must be positive", c -> cfg.withEps(-1e-5))));
        Conv2dParams p = Conv2dParams.DEFAULT;
        cases.addAll(List.of(
                conv("weights of another channel count", "have 3 input channels per group",
                        c -> c.b().conv2dForward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 3, 3, 3), null, p)),
                conv("output of another shape", "y has shape [1, 2, 3, 3], expected [1, 2, 5, 5]",
                        c -> c.b().conv2dForward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), null,
                                p.withPadding(1, 1))),
                conv("kernel larger than the padded input", "is larger than the padded input 4×4",
                        c -> c.b().conv2dForward(c.t(1, 1, 1, 1), c.t(1, 1, 4, 4), c.t(1, 1, 5, 5), null, p)),
                conv("groups not dividing channels", "groups 2 must divide",
                        c -> c.b().conv2dForward(c.t(1, 2, 4, 4), c.t(1, 3, 4, 4), c.t(2, 1, 1, 1), null,
                                p.withGroups(2))),
                conv("bias of wrong length", "bias has shape [3], expected [2]",
                        c -> c.b().conv2dForward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), c.t(3), p)),
                conv("null params", "params is null",
                        c -> c.b().conv2dForward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), null, null)),
                conv("dy of another shape", "dy has shape [1, 2, 2, 2], expected [1, 2, 3, 3]",
                        c -> c.b().conv2dBackwardData(c.t(1, 4, 5, 5), c.t(1, 2, 2, 2), c.t(2, 4, 3, 3), p)),
                conv("dw of another backend", "belongs to backend",
                        c -> c.b().conv2dBackwardWeights(c.foreign(2, 4, 3, 3), null, c.t(1, 2, 3, 3),
                                c.t(1, 4, 5, 5), p)),
                conv("zero stride", "stride must be at least 1", c -> p.withStride(0, 1)),
                conv("negative padding", "padding must be non-negative", c -> p.withPadding(-1, 0)),
                tensor("data of wrong length", "data has 5 floats, shape [2, 3] needs 6",
                        c -> c.b().tensor(new float[5], 2, 3)),
                tensor("zero size", "has a dimension of 0", c -> c.b().full(1f, 2, 0, 3)),
                tensor("negative size", "has a dimension of -3", c -> c.b().full(1f, -3)),
                tensor("int overflow", "more than 2^31 elements", c -> c.b().full(1f, 65536, 65536)),
                tensor("null data", "data is null", c -> c.b().tensor(null, 2)),
                tensor("copy between shapes", "dst has shape [3], expected [4]", c -> c.b().copy(c.t(3), c.t(4))),
                tensor("read of a closed tensor", "is closed", c -> {
                    Tensor t = c.t(4);
                    t.close();
                    t.toArray();
                })));
        cases.addAll(trainingOps());
        return cases;
    }

    /** The training loop's ops: elementwise, pooling, loss, SGD. */
    private static List<Case> trainingOps() {
        Pool2dParams two = Pool2dParams.of(2);
        SgdParams sgd = new SgdParams(0.1f, 0.9f, 0);
        return List.of(
                new Case("elementwise", "add of two shapes", "b has shape [3, 2], expected [2, 3]",
                        c -> c.b().add(c.t(2, 3), c.t(2, 3), c.t(3, 2))),
                new Case("elementwise", "scale by NaN", "alpha must be finite",
                        c -> c.b().scale(c.t(4), c.t(4), Float.NaN)),
                new Case("elementwise", "relu backward without dx", "dx is null",
                        c -> c.b().reluBackward(null, c.t(4), c.t(4))),
                new Case("pooling", "output of another shape", "y has shape [1, 1, 3, 3], expected [1, 1, 2, 2]",
                        c -> c.b().maxPool2dForward(c.t(1, 1, 3, 3), c.t(1, 1, 4, 4), two)),
                new Case("pooling", "padding over half the window", "between 0 and half the window",
                        c -> Pool2dParams.of(2, 1, 2)),
                new Case("pooling", "window larger than the input",
                        "pooling window 2×2 is larger than the padded input", c -> c.b().avgPool2dForward(c.t(1, 1, 1, 1), c.t(1, 1, 1, 1), two)),
                new Case("pooling", "global pooling of 2-D", "global average pooling takes x [N,C,H,W]",
                        c -> c.b().globalAvgPoolForward(c.t(2, 3), c.t(2, 3))),
                new Case("loss", "labels of another length", "labels has shape [3], expected [2]",
                        c -> c.b().softmaxCrossEntropy(c.t(2), null, c.t(2, 5), c.t(3))),
                new Case("loss", "3-D logits", "takes logits [N,classes]",
                        c -> c.b().softmaxCrossEntropy(c.t(2), null, c.t(2, 5, 1), c.t(2))),
                new Case("sgd", "momentum without a buffer", "momentum buffer is required",
                        c -> c.b().sgdUpdate(c.t(4), null, c.t(4), sgd)),
                new Case("sgd", "gradient of another shape", "grad has shape [5], expected [4]",
                        c -> c.b().sgdUpdate(c.t(4), c.t(4), c.t(5), sgd)),
                new Case("sgd", "negative learning rate", "learning rate must be non-negative",
                        c -> new SgdParams(-0.1f, 0, 0)),
                new Case("tensor", "view of another size", "cannot view tensor [2, 3] (6 elements) as [4]",
                        c -> c.t(2, 3).view(4)));
    }

    private static Case bn(String name, String words, Consumer<Context> call) {
        return new Case("batchnorm", name, words, call);
    }

    private static Case conv(String name, String words, Consumer<Context> call) {
        return new Case("conv2d", name, words, call);
    }

    private static Case tensor(String name, String words, Consumer<Context> call) {
        return new Case("tensor", name, words, call);
    }

    private static void train(Context c, Tensor x, Tensor y, BatchNormConfig cfg) {
        int ch = x == null ? 3 : x.dim(1);
        c.b().batchNormForwardTraining(y, c.t(ch), c.t(ch), x, null, null, null, null, cfg);
    }
}
