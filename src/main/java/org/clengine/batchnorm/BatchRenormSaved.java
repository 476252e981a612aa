package org.clengine.batchnorm;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Batch renormalization's corrections, each [C], saved by the forward for the backward, where they are constants.
 *
 * @param r clip(sigma_B/sigma, 1/rmax, rmax)
 * @param d clip((mean_B − mean)/sigma, −dmax, dmax)
 */
public record BatchRenormSaved(Tensor r, Tensor d) implements AutoCloseable {

    /** Two new [C] tensors in {@code memory}, NaN until a forward writes them. */
    public static BatchRenormSaved allocate(Memory memory, int channels) {
        return new BatchRenormSaved(memory.full(Float.NaN, channels), memory.full(Float.NaN, channels));
    }

    @Override
    public void close() {
        if (r != null) r.close();
        if (d != null) d.close();
    }
}
