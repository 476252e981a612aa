package org.clengine.batchnorm;

import java.util.Locale;

/**
 * The ghost batch norm and batch renormalization cases that verify and the tests compare against the reference:
 * a mode and the plain batch-norm variant whose op, fusion, affine parameters and momentum it takes.
 */
public enum GhostRenormVariant {
    GHOST_TRAIN(Mode.GHOST, BatchNormVariant.TRAIN),
    GHOST_TRAIN_RELU(Mode.GHOST, BatchNormVariant.TRAIN_RELU),
    GHOST_TRAIN_ADD_RELU(Mode.GHOST, BatchNormVariant.TRAIN_ADD_RELU),
    GHOST_TRAIN_NO_AFFINE(Mode.GHOST, BatchNormVariant.TRAIN_NO_AFFINE),
    GHOST_TRAIN_UNTRACKED(Mode.GHOST, BatchNormVariant.TRAIN_UNTRACKED),
    GHOST_TRAIN_CUMULATIVE(Mode.GHOST, BatchNormVariant.TRAIN_CUMULATIVE),
    GHOST_BWD(Mode.GHOST, BatchNormVariant.BWD),
    GHOST_BWD_ADD_RELU(Mode.GHOST, BatchNormVariant.BWD_ADD_RELU),
    GHOST_BWD_NO_AFFINE(Mode.GHOST, BatchNormVariant.BWD_NO_AFFINE),
    RENORM_TRAIN(Mode.RENORM, BatchNormVariant.TRAIN),
    RENORM_TRAIN_RELU(Mode.RENORM, BatchNormVariant.TRAIN_RELU),
    RENORM_TRAIN_NO_AFFINE(Mode.RENORM, BatchNormVariant.TRAIN_NO_AFFINE),
    RENORM_TRAIN_ONNX(Mode.RENORM, BatchNormVariant.TRAIN_ONNX),
    RENORM_BWD(Mode.RENORM, BatchNormVariant.BWD),
    RENORM_BWD_RELU(Mode.RENORM, BatchNormVariant.BWD_RELU),
    RENORM_BWD_NO_AFFINE(Mode.RENORM, BatchNormVariant.BWD_NO_AFFINE);

    /** Ghost batch norm or batch renormalization. */
    public enum Mode { GHOST, RENORM }

    /** Limits under which some channels clip and others do not, on verify's random data. */
    public static final BatchRenorm LIMITS = new BatchRenorm(1.5, 1.0);

    public final Mode mode;
    public final BatchNormVariant base;

    GhostRenormVariant(Mode mode, BatchNormVariant base) {
        this.mode = mode;
        this.base = base;
    }

    public boolean backward() {
        return base.op == BatchNormOp.BACKWARD;
    }

    /** Lower-case name used in verify rows and test names. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The virtual batch verify uses for N samples of {@code hw} values: the smallest divisor of N from 2 below N
     * (several virtual batches of several samples), else 1 when a sample has more than one value, else N.
     */
    public static int virtualBatch(int n, int hw) {
        for (int v = 2; v < n; v++) {
            if (n % v == 0) return v;
        }
        return hw > 1 ? 1 : n;
    }
}
