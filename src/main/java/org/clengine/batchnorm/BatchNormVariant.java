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
    INFER(FORWARD_INFERENCE, NONE, true, true, 0.1, MomentumConvention.PYTORCH),
    INFER_RELU(FORWARD_INFERENCE, RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    INFER_ADD_RELU(FORWARD_INFERENCE, ADD_RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    INFER_NO_AFFINE(FORWARD_INFERENCE, NONE, false, true, 0.1, MomentumConvention.PYTORCH),
    BWD(BACKWARD, NONE, true, true, 0.1, MomentumConvention.PYTORCH),
    BWD_RELU(BACKWARD, RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    BWD_ADD_RELU(BACKWARD, ADD_RELU, true, true, 0.1, MomentumConvention.PYTORCH),
    BWD_NO_AFFINE(BACKWARD, NONE, false, true, 0.1, MomentumConvention.PYTORCH);

    public final BatchNormOp op;
    public final BatchNormFusion fusion;
    public final boolean affine;
    public final boolean tracking;
    public final Double momentum;
    public final MomentumConvention convention;

    BatchNormVariant(BatchNormOp op, BatchNormFusion fusion, boolean affine, boolean tracking, Double momentum,
            MomentumConvention convention) {
        this.op = op;
        this.fusion = fusion;
        this.affine = affine;
        this.tracking = tracking;
        this.momentum = momentum;
        this.convention = convention;
    }

    public BatchNormConfig config() {
        return BatchNormConfig.DEFAULT.withMomentum(momentum).withConvention(convention).withFusion(fusion);
    }

    /** Lower-case name used in verify rows and test names. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
