package org.clengine.batchnorm;

import static org.clengine.batchnorm.BatchNormFusion.*;
import static org.clengine.batchnorm.BatchNormOp.*;

import java.util.Locale;

/** Every batch norm variant that verify and the tests compare against the reference. */
public enum BatchNormVariant {
    TRAIN(FORWARD_TRAINING, NONE, true, true, 0.1, MomentumConvention.PYTORCH),
    TRAIN_RELU(FORWARD_TRAINING, RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    TRAIN_ADD_RELU(FORWARD_TRAINING, ADD_RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    TRAIN_NO_AFFINE(FORWARD_TRAINING, NONE, false, true, 0.1, MomentumConvention.PYTORCH),
    TRAIN_UNTRACKED(FORWARD_TRAINING, NONE, true, false, 0.1, MomentumConvention.PYTORCH),
    /** momentum = null: two batches, running stats become their plain average. */
    TRAIN_CUMULATIVE(FORWARD_TRAINING, NONE, true, true, null, MomentumConvention.PYTORCH),
    TRAIN_ONNX(FORWARD_TRAINING, NONE, true, true, 0.9, MomentumConvention.ONNX),
    /** Policy SKIP: a batch with NaN in every other channel, then a finite one; the skip counts are compared. */
    TRAIN_SKIP(FORWARD_TRAINING, NONE, true, true, 0.1, MomentumConvention.PYTORCH, RunningUpdatePolicy.SKIP, false),
    /** Frozen: training mode on the running statistics, which stay as they are. */
    TRAIN_FROZEN(FORWARD_TRAINING, NONE, true, true, 0.1, MomentumConvention.PYTORCH, RunningUpdatePolicy.PROPAGATE,
            true),
    TRAIN_FROZEN_ADD_RELU(FORWARD_TRAINING, ADD_RELU, true, true, 0.1, MomentumConvention.PYTORCH,
            RunningUpdatePolicy.PROPAGATE, true),
    INFER(FORWARD_INFERENCE, NONE, true, true, 0.1, MomentumConvention.PYTORCH),
    INFER_RELU(FORWARD_INFERENCE, RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    INFER_ADD_RELU(FORWARD_INFERENCE, ADD_RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    INFER_NO_AFFINE(FORWARD_INFERENCE, NONE, false, true, 0.1, MomentumConvention.PYTORCH),
    BWD(BACKWARD, NONE, true, true, 0.1, MomentumConvention.PYTORCH),
    BWD_RELU(BACKWARD, RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    BWD_ADD_RELU(BACKWARD, ADD_RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    BWD_NO_AFFINE(BACKWARD, NONE, false, true, 0.1, MomentumConvention.PYTORCH),
    /** Frozen backward: saved statistics are the running ones, constants to the loss. */
    BWD_FROZEN(BACKWARD, NONE, true, true, 0.1, MomentumConvention.PYTORCH, RunningUpdatePolicy.PROPAGATE, true),
    BWD_FROZEN_RELU(BACKWARD, RELU, true, true, 0.1, MomentumConvention.PYTORCH, RunningUpdatePolicy.PROPAGATE,
            true);

    public final BatchNormOp op;
    public final BatchNormFusion fusion;
    public final boolean affine;
    public final boolean tracking;
    public final Double momentum;
    public final MomentumConvention convention;
    public final RunningUpdatePolicy update;
    public final boolean frozen;

    BatchNormVariant(BatchNormOp op, BatchNormFusion fusion, boolean affine, boolean tracking, Double momentum,
            MomentumConvention convention) {
        this(op, fusion, affine, tracking, momentum, convention, RunningUpdatePolicy.PROPAGATE, false);
    }

    BatchNormVariant(BatchNormOp op, BatchNormFusion fusion, boolean affine, boolean tracking, Double momentum,
            MomentumConvention convention, RunningUpdatePolicy update, boolean frozen) {
        this.update = update;
        this.frozen = frozen;
        this.op = op;
        this.fusion = fusion;
        this.affine = affine;
        this.tracking = tracking;
        this.momentum = momentum;
        this.convention = convention;
    }

    public BatchNormConfig config() {
        return BatchNormConfig.DEFAULT.withMomentum(momentum).withConvention(convention).withFusion(fusion)
                .withUpdate(update).withFrozen(frozen);
    }

    /** Lower-case name used in verify rows and test names. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
