package org.clengine.batchnorm;

/**
 * How a batch norm policy takes its per-channel partial sums. Both write the same partials, merged and applied by
 * kernels/batchnorm.cl's kernels; each decides its own summation order, fixed by the shape's chunks and never by
 * the local size.
 */
public enum BatchNormReduction {
    /** The CPU family's: one work-item sums a chunk serially in vector lanes (kernels/batchnorm.cl). */
    SERIAL,
    /**
     * The GPU family's: one work-group per chunk, coalesced loads, a fixed-shape tree in local memory
     * (kernels/batchnorm_gpu.cl, {@link BatchNormGpuKernel}); no single-launch path (its reductions are serial).
     */
    GROUP_TREE
}
