package org.clengine.batchnorm;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * The statistics forward-training saves for backward, each [C]: the batch mean and 1/sqrt(biased var + eps).
 *
 * @param mean   the batch mean
 * @param invstd 1/sqrt(biased variance + eps)
 */
public record BatchNormSaved(Tensor mean, Tensor invstd) implements AutoCloseable {

    /** Two new [C] tensors in {@code memory}, filled with NaN until a forward writes them. */
    public static BatchNormSaved allocate(Memory memory, int channels) {
        return new BatchNormSaved(memory.full(Float.NaN, channels), memory.full(Float.NaN, channels));
    }

    @Override
    public void close() {
        if (mean != null) mean.close();
        if (invstd != null) invstd.close();
    }
}
