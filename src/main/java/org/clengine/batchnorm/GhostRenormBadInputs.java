package org.clengine.batchnorm;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.BadInputCase.Context;

/** Bad calls to ghost batch norm and batch renormalization, each with the words its exception must contain. */
final class GhostRenormBadInputs {
    /** Four samples: virtual batches of 1, 2 or 4 fit, 3 does not. */
    private static final int[] X = {4, 3, 2, 2};
    private static final BatchRenorm LIMITS = new BatchRenorm(3, 5);

    private GhostRenormBadInputs() {
    }

    static List<BadInputCase<BatchNormOps>> cases() {
        List<BadInputCase<BatchNormOps>> all = new java.util.ArrayList<>(ghost());
        all.addAll(renorm());
        return List.copyOf(all);
    }

    private static List<BadInputCase<BatchNormOps>> ghost() {
        return List.of(
                bn("ghost null call", "call is null", c -> c.ops().forwardTrainingGhost(null)),
                bn("ghost virtual batch 0", "virtualBatch must be positive, got 0", c -> ghost(c, c.t(X), 0, 1)),
                bn("ghost virtual batch negative", "virtualBatch must be positive, got -2",
                        c -> ghost(c, c.t(X), -2, 1)),
                bn("ghost virtual batch that does not divide the batch", "virtualBatch 3 does not divide the batch "
                        + "of 4 samples (input [4, 3, 2, 2])", c -> ghost(c, c.t(X), 3, 1)),
                bn("ghost virtual batch past the batch", "virtualBatch 8 does not divide the batch of 4 samples",
                        c -> ghost(c, c.t(X), 8, 1)),
                bn("ghost one value per channel in a virtual batch", "expected more than 1 value per channel in each "
                        + "virtual batch when training, got virtualBatch 1 of input size [4, 3]",
                        c -> ghost(c, c.t(4, 3), 1, 4)),
                bn("ghost saved statistics of the whole batch", "saveMean has shape [3], expected [2, 3]",
                        c -> c.ops().forwardTrainingGhost(new GhostBatchNormTraining(BatchNormTraining.of(c.t(X),
                                new BatchNormSaved(c.t(3), c.t(3)), c.t(X)), 2))),
                bn("ghost y is x", "y and x share storage", c -> {
                    Tensor x = c.t(X);
                    c.ops().forwardTrainingGhost(new GhostBatchNormTraining(BatchNormTraining.of(x,
                            new BatchNormSaved(c.t(2, 3), c.t(2, 3)), x), 2));
                }),
                bn("ghost backward virtual batch that does not divide the batch", "virtualBatch 3 does not divide",
                        c -> c.ops().backwardGhost(new GhostBatchNormBackward(BatchNormBackward.of(c.t(X), c.t(X),
                                c.t(X), new BatchNormSaved(c.t(2, 3), c.t(2, 3))), 3))),
                bn("ghost backward dx is dy", "dx and dy share storage", c -> {
                    Tensor d = c.t(X);
                    c.ops().backwardGhost(new GhostBatchNormBackward(BatchNormBackward.of(d, d, c.t(X),
                            new BatchNormSaved(c.t(2, 3), c.t(2, 3))), 2));
                }),
                bn("ghost backward null call", "call is null", c -> c.ops().backwardGhost(null)));
    }

    private static List<BadInputCase<BatchNormOps>> renorm() {
        return List.of(
                bn("renorm rmax below 1", "rmax must be at least 1", c -> new BatchRenorm(0.5, 1)),
                bn("renorm rmax NaN", "rmax must be at least 1", c -> new BatchRenorm(Double.NaN, 1)),
                bn("renorm rmax past the largest float", "rmax must be at least 1 and a finite fp32 value",
                        c -> new BatchRenorm(1e39, 1)),
                bn("renorm dmax negative", "dmax must be at least 0", c -> new BatchRenorm(3, -1)),
                bn("renorm dmax infinite", "dmax must be at least 0 and a finite fp32 value",
                        c -> new BatchRenorm(3, Double.POSITIVE_INFINITY)),
                bn("renorm schedule with a negative warm-up", "warmup and ramp must not be negative",
                        c -> new BatchRenormSchedule(3, 5, -1, 10)),
                bn("renorm schedule rmax below 1", "rmax must be at least 1", c -> new BatchRenormSchedule(0, 5, 1, 1)),
                bn("renorm without running statistics", "batch renormalization needs the running statistics",
                        c -> c.ops().forwardTrainingRenorm(new BatchRenormTraining(plain(c), LIMITS, rd(c, 3)))),
                bn("renorm null limits", "renorm limits are null", c -> c.ops().forwardTrainingRenorm(
                        new BatchRenormTraining(plain(c).running(running(c)), null, rd(c, 3)))),
                bn("renorm r of wrong length", "r has shape [4], expected [3]", c -> c.ops().forwardTrainingRenorm(
                        new BatchRenormTraining(plain(c).running(running(c)), LIMITS,
                                new BatchRenormSaved(c.t(4), c.t(3))))),
                bn("renorm d is saveMean", "d and saveMean share storage", c -> {
                    Tensor m = c.t(3);
                    c.ops().forwardTrainingRenorm(new BatchRenormTraining(BatchNormTraining.of(c.t(X),
                            new BatchNormSaved(m, c.t(3)), c.t(X)).running(running(c)), LIMITS,
                            new BatchRenormSaved(c.t(3), m)));
                }),
                bn("renorm corrections missing", "corrections are null", c -> c.ops().forwardTrainingRenorm(
                        new BatchRenormTraining(plain(c).running(running(c)), LIMITS, null))),
                bn("renorm backward d of wrong length", "d has shape [2], expected [3]",
                        c -> c.ops().backwardRenorm(new BatchRenormBackward(grad(c), new BatchRenormSaved(c.t(3),
                                c.t(2))))),
                bn("renorm backward dgamma is r", "dgamma and r share storage", c -> {
                    Tensor r = c.t(3);
                    c.ops().backwardRenorm(new BatchRenormBackward(grad(c).affine(c.t(3), r, c.t(3)),
                            new BatchRenormSaved(r, c.t(3))));
                }),
                bn("renorm backward null call", "call is null", c -> c.ops().backwardRenorm(null)));
    }

    private static BadInputCase<BatchNormOps> bn(String name, String words, Consumer<Context<BatchNormOps>> call) {
        return new BadInputCase<>("batchnorm", name, words, call);
    }

    private static void ghost(Context<BatchNormOps> c, Tensor x, int virtualBatch, int groups) {
        BatchNormSaved saved = new BatchNormSaved(c.t(groups, x.dim(1)), c.t(groups, x.dim(1)));
        c.ops().forwardTrainingGhost(new GhostBatchNormTraining(BatchNormTraining.of(c.t(x.shape()), saved, x),
                virtualBatch));
    }

    private static BatchNormTraining plain(Context<BatchNormOps> c) {
        return BatchNormTraining.of(c.t(X), new BatchNormSaved(c.t(3), c.t(3)), c.t(X));
    }

    private static BatchNormRunningStats running(Context<BatchNormOps> c) {
        return new BatchNormRunningStats(c.t(3), c.t(3), 0);
    }

    private static BatchRenormSaved rd(Context<BatchNormOps> c, int channels) {
        return new BatchRenormSaved(c.t(channels), c.t(channels));
    }

    private static BatchNormBackward grad(Context<BatchNormOps> c) {
        return BatchNormBackward.of(c.t(X), c.t(X), c.t(X), new BatchNormSaved(c.t(3), c.t(3)));
    }
}
