package org.clengine.batchnorm;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * The statistics forward-training saves for backward, each [C]: the batch mean and 1/sqrt(biased var + eps), and
 * the implementation's own offset: the exact mean is mean + offset, the fp32 mean's rounding error kept so that a
 * mean that dwarfs the spread (1e4 against 1e-2) costs neither the normalization nor the backward any precision.
 * The offset is internal (its value is the implementation's business); without it, backward rebuilds x̂ from the
 * fp32 mean, as PyTorch does.
 *
 * @param mean   the batch mean
 * @param invstd 1/sqrt(biased variance + eps)
 * @param offset the mean's rounding error [C], written by forward and read by backward; or null
 */
public record BatchNormSaved(Tensor mean, Tensor invstd, Tensor offset) implements AutoCloseable {

    /** Mean and invstd only: backward centres x on the fp32 mean. */
    public BatchNormSaved(Tensor mean, Tensor invstd) {
        this(mean, invstd, null);
    }

    /** Three new [C] tensors in {@code memory}, filled with NaN until a forward writes them. */
    public static BatchNormSaved allocate(Memory memory, int channels) {
        return new BatchNormSaved(memory.full(Float.NaN, channels), memory.full(Float.NaN, channels),
                memory.full(Float.NaN, channels));
    }

    @Override
    public void close() {
        if (mean != null) mean.close();
        if (invstd != null) invstd.close();
        if (offset != null) offset.close();
    }
}
