package org.clengine.batchnorm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.BadInputCase.Context;

/** Bad calls to batch normalization, each with the words its exception must contain on every implementation. */
final class BatchNormBadInputs {
    private static final int[] X = {2, 3, 4, 5};
    private static final BatchNormConfig CFG = BatchNormConfig.DEFAULT;
    private static final BatchNormConfig RELU = CFG.withFusion(BatchNormFusion.RELU);
    private static final BatchNormConfig ADD_RELU = CFG.withFusion(BatchNormFusion.ADD_RELU);

    private BatchNormBadInputs() {
    }

    static List<BadInputCase<BatchNormOps>> cases() {
        List<BadInputCase<BatchNormOps>> all = new ArrayList<>(training());
        all.addAll(inferenceAndBackward());
        all.addAll(config());
        all.addAll(aliasing());
        return List.copyOf(all);
    }

    /** No call runs in place: every output against its inputs and the other outputs, views included. */
    private static List<BadInputCase<BatchNormOps>> aliasing() {
        return List.of(
                bn("training y is x", "y and x share storage (one tensor, or views of one); an output may not "
                        + "overlap an input", c -> {
                            Tensor x = c.t(X);
                            train(c, x, x, CFG);
                        }),
                bn("training y a view of x", "y and x share storage", c -> {
                    Tensor x = c.t(X);
                    train(c, x, x.view(120).view(X), CFG);
                }),
                bn("training saveMean is gamma", "saveMean and gamma share storage", c -> {
                    Tensor g = c.t(3);
                    c.ops().forwardTraining(BatchNormTraining.of(c.t(X), new BatchNormSaved(g, c.t(3)), c.t(X))
                            .affine(g, c.t(3)));
                }),
                bn("training saveMean is saveInvstd", "saveMean and saveInvstd share storage (one tensor, or views of "
                        + "one); two outputs may not overlap", c -> {
                            Tensor m = c.t(3);
                            c.ops().forwardTraining(BatchNormTraining.of(c.t(X), new BatchNormSaved(m, m.view(3)),
                                    c.t(X)));
                        }),
                bn("training running mean a view of beta", "running mean and beta share storage", c -> {
                    Tensor b = c.t(3);
                    c.ops().forwardTraining(call(c).affine(c.t(3), b)
                            .running(new BatchNormRunningStats(b.view(3), c.t(3), 0)));
                }),
                bn("training y over the residual", "y and residual share storage", c -> {
                    Tensor z = c.t(X);
                    c.ops().forwardTraining(BatchNormTraining.of(z, saved(c, 3), c.t(X)).residual(z).config(ADD_RELU));
                }),
                bn("inference y is x", "y and x share storage", c -> {
                    Tensor x = c.t(X);
                    c.ops().forwardInference(BatchNormInference.of(x, x, new BatchNormRunningStats(c.t(3), c.t(3), 0)));
                }),
                bn("backward dx is dy", "dx and dy share storage", c -> {
                    Tensor d = c.t(X);
                    c.ops().backward(BatchNormBackward.of(d, d, c.t(X), saved(c, 3)));
                }),
                bn("backward dx a view of x", "dx and x share storage", c -> {
                    Tensor x = c.t(X);
                    c.ops().backward(BatchNormBackward.of(x.view(X), c.t(X), x, saved(c, 3)));
                }),
                bn("backward dgamma is gamma", "dgamma and gamma share storage", c -> {
                    Tensor g = c.t(3);
                    c.ops().backward(grad(c, c.t(X)).affine(g, g, c.t(3)));
                }),
                bn("backward dx over the relu mask", "dx and y share storage", c -> {
                    Tensor y = c.t(X);
                    c.ops().backward(grad(c, y).forwardOutput(y).config(RELU));
                }));
    }

    private static List<BadInputCase<BatchNormOps>> training() {
        return List.of(
                bn("null call", "call is null", c -> c.ops().forwardTraining(null)),
                bn("null x", "x is null", c -> train(c, null, c.t(X), CFG)),
                bn("null y", "y is null",
                        c -> c.ops().forwardTraining(BatchNormTraining.of(null, saved(c, 3), c.t(X)))),
                bn("y of another shape", "y has shape [2, 3, 4, 6], expected [2, 3, 4, 5]",
                        c -> train(c, c.t(X), c.t(2, 3, 4, 6), CFG)),
                bn("5-D input", "[N,C], [N,C,L] or [N,C,H,W]", c -> train(c, c.t(1, 2, 3, 4, 5), c.t(1, 2, 3, 4, 5),
                        CFG)),
                bn("one value per channel", "expected more than 1 value per channel when training, got input size "
                        + "[1, 3]", c -> train(c, c.t(1, 3), c.t(1, 3), CFG)),
                bn("one value per channel 4-D", "more than 1 value per channel",
                        c -> train(c, c.t(1, 3, 1, 1), c.t(1, 3, 1, 1), CFG)),
                bn("gamma of wrong length", "gamma has shape [4], expected [3]",
                        c -> c.ops().forwardTraining(call(c).affine(c.t(4), c.t(4)))),
                bn("gamma without beta", "gamma and beta must both be given",
                        c -> c.ops().forwardTraining(call(c).affine(c.t(3), null))),
                bn("saved statistics missing", "saved is null",
                        c -> c.ops().forwardTraining(BatchNormTraining.of(c.t(X), null, c.t(X)))),
                bn("saveMean of wrong length", "saveMean has shape [2], expected [3]",
                        c -> c.ops().forwardTraining(BatchNormTraining.of(c.t(X),
                                new BatchNormSaved(c.t(2), c.t(3)), c.t(X)))),
                bn("running var of wrong length", "running var has shape [5], expected [3]",
                        c -> c.ops().forwardTraining(call(c).running(new BatchNormRunningStats(c.t(3), c.t(5), 0)))),
                bn("running mean of another memory", "running mean [3] belongs to backend",
                        c -> c.ops().forwardTraining(call(c).running(new BatchNormRunningStats(c.foreign(3), c.t(3),
                                0)))),
                bn("running stats without a var", "running mean and var must not be null",
                        c -> new BatchNormRunningStats(c.t(3), null, 0)),
                bn("negative batch count", "batchesTracked is negative", c -> new BatchNormRunningStats(c.t(3), c.t(3),
                        -1)),
                bn("residual missing for add+relu", "residual is required", c -> train(c, c.t(X), c.t(X), ADD_RELU)),
                bn("residual given without add+relu", "residual must be null",
                        c -> c.ops().forwardTraining(call(c).residual(c.t(X)))),
                bn("closed x", "x [2, 3, 4, 5] is closed", c -> {
                    Tensor x = c.t(X);
                    x.close();
                    train(c, x, c.t(X), CFG);
                }),
                bn("tensor of another backend", "belongs to backend", c -> train(c, c.foreign(X), c.t(X), CFG)),
                bn("null config", "config is null", c -> train(c, c.t(X), c.t(X), null)),
                bn("saveOffset of wrong length", "saveOffset has shape [2], expected [3]",
                        c -> c.ops().forwardTraining(BatchNormTraining.of(c.t(X),
                                new BatchNormSaved(c.t(3), c.t(3), c.t(2)), c.t(X)))),
                bn("skip counts of wrong length", "skipped updates has shape [4], expected [3]",
                        c -> c.ops().forwardTraining(call(c).running(new BatchNormRunningStats(c.t(3), c.t(3),
                                c.t(4), 0)))),
                bn("frozen without running statistics", "running statistics are null (frozen batch norm",
                        c -> train(c, c.t(X), c.t(X), CFG.withFrozen(true))),
                bn("null running update policy", "update policy is null", c -> CFG.withUpdate(null)),
                bn("backward saveOffset of wrong length", "saveOffset has shape [4], expected [3]",
                        c -> c.ops().backward(BatchNormBackward.of(c.t(X), c.t(X), c.t(X),
                                new BatchNormSaved(c.t(3), c.t(3), c.t(4))))));
    }

    private static List<BadInputCase<BatchNormOps>> inferenceAndBackward() {
        return List.of(
                bn("null inference call", "call is null", c -> c.ops().forwardInference(null)),
                bn("inference without running statistics", "running statistics are null",
                        c -> c.ops().forwardInference(BatchNormInference.of(c.t(X), c.t(X), null))),
                bn("inference running var of wrong length", "running var has shape [4], expected [3]",
                        c -> c.ops().forwardInference(BatchNormInference.of(c.t(X), c.t(X),
                                new BatchNormRunningStats(c.t(3), c.t(4), 0)))),
                bn("inference with null config", "config is null", c -> c.ops().forwardInference(
                        BatchNormInference.of(c.t(X), c.t(X), new BatchNormRunningStats(c.t(3), c.t(3), 0))
                                .config(null))),
                bn("null backward call", "call is null", c -> c.ops().backward(null)),
                bn("backward without the relu mask", "y is required when the fusion is RELU",
                        c -> c.ops().backward(grad(c, c.t(X)).config(RELU))),
                bn("backward relu mask of another shape", "y has shape [2, 3, 4, 4], expected [2, 3, 4, 5]",
                        c -> c.ops().backward(grad(c, c.t(X)).forwardOutput(c.t(2, 3, 4, 4)).config(RELU))),
                bn("dgamma without gamma", "dgamma and dbeta must be null when gamma is null",
                        c -> c.ops().backward(grad(c, c.t(X)).affine(null, c.t(3), null))),
                bn("dx of another shape", "dx has shape [2, 3, 4, 4]", c -> c.ops().backward(grad(c, c.t(2, 3, 4, 4)))),
                bn("dresidual missing", "dresidual is required",
                        c -> c.ops().backward(grad(c, c.t(X)).forwardOutput(c.t(X)).config(ADD_RELU))),
                bn("dresidual given without add+relu", "dresidual must be null",
                        c -> c.ops().backward(grad(c, c.t(X)).residualGradient(c.t(X)))),
                bn("backward without saved statistics", "saved is null",
                        c -> c.ops().backward(BatchNormBackward.of(c.t(X), c.t(X), c.t(X), null))),
                bn("backward with null config", "config is null", c -> c.ops().backward(grad(c, c.t(X)).config(null))));
    }

    /** The config refuses bad values when it is made. */
    private static List<BadInputCase<BatchNormOps>> config() {
        return List.of(
                bn("momentum > 1", "momentum must be in [0, 1]", c -> CFG.withMomentum(1.5)),
                bn("momentum NaN", "momentum must be in [0, 1]", c -> CFG.withMomentum(Double.NaN)),
                bn("eps 0", "eps must be positive", c -> CFG.withEps(0)),
                bn("eps negative", "eps must be positive", c -> CFG.withEps(-1e-5)),
                // 1e-300 is 0 in fp32: NaN on the device, 0 from the double reference (issue 18)
                bn("eps 1e-300", "eps must be a normal fp32 value, in [1.17549435E-38, 3.4028235E38]",
                        c -> CFG.withEps(1e-300)),
                bn("eps subnormal in fp32", "eps must be a normal fp32 value", c -> CFG.withEps(1e-40)),
                bn("eps past the largest float", "eps must be a normal fp32 value", c -> CFG.withEps(1e39)),
                bn("momentum 1e-300", "momentum must be 0 or at least 1.17549435E-38", c -> CFG.withMomentum(1e-300)),
                bn("shape past int", "has more than 2146435072 elements", c -> BatchNormShape.parse("mb65536ic65536")),
                bn("shape that wraps to a small int", "has more than 2146435072 elements",
                        c -> BatchNormShape.of(65536, 65536, 2, 2)));
    }

    private static BadInputCase<BatchNormOps> bn(String name, String words, Consumer<Context<BatchNormOps>> call) {
        return new BadInputCase<>("batchnorm", name, words, call);
    }

    private static BatchNormSaved saved(Context<BatchNormOps> c, int channels) {
        return new BatchNormSaved(c.t(channels), c.t(channels));
    }

    /** A good training call on x [2,3,4,5], for the cases to spoil one part of. */
    private static BatchNormTraining call(Context<BatchNormOps> c) {
        return BatchNormTraining.of(c.t(X), saved(c, 3), c.t(X));
    }

    private static void train(Context<BatchNormOps> c, Tensor x, Tensor y, BatchNormConfig cfg) {
        int ch = x == null || x.rank() < 2 ? 3 : x.dim(1);
        c.ops().forwardTraining(BatchNormTraining.of(y, saved(c, ch), x).config(cfg));
    }

    /** A good backward call on x [2,3,4,5] with output dx, for the cases to spoil one part of. */
    private static BatchNormBackward grad(Context<BatchNormOps> c, Tensor dx) {
        return BatchNormBackward.of(dx, c.t(X), c.t(X), saved(c, 3));
    }
}
