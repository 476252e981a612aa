package org.clengine.batchnorm;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * Running mean and variance of one batch normalization layer, and the number of batches tracked. Fresh statistics
 * are mean 0 and variance 1, as in PyTorch. Owns its two tensors.
 */
public final class BatchNormRunningStats implements AutoCloseable {
    private final Tensor mean;
    private final Tensor var;
    private long batchesTracked;

    public BatchNormRunningStats(Tensor mean, Tensor var, long batchesTracked) {
        if (mean == null || var == null) throw new IllegalArgumentException("running mean and var must not be null");
        if (batchesTracked < 0) throw new IllegalArgumentException("batchesTracked is negative: " + batchesTracked);
        this.mean = mean;
        this.var = var;
        this.batchesTracked = batchesTracked;
    }

    /** Mean 0, variance 1, no batches tracked. */
    public static BatchNormRunningStats create(Backend backend, int channels) {
        return new BatchNormRunningStats(backend.full(0f, channels), backend.full(1f, channels), 0);
    }

    public Tensor mean() {
        return mean;
    }

    public Tensor var() {
        return var;
    }

    public long batchesTracked() {
        return batchesTracked;
    }

    /** Counts one more batch and returns the new count; called by the backends' forward-training op. */
    public long track() {
        return ++batchesTracked;
    }

    @Override
    public void close() {
        mean.close();
        var.close();
    }
}
