package org.clengine.batchnorm;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.i32;
import static org.clengine.device.KernelBinding.i64;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;

/**
 * The GPU family's batch norm reductions, kernels/batchnorm_gpu.cl: work-group tree reductions with the parameters
 * of {@link BatchNormKernel}'s partial kernels, which they stand in for under {@link BatchNormReduction#GROUP_TREE}.
 */
public enum BatchNormGpuKernel {
    FWD_PARTIAL("batchnorm_gpu_fwd_partial", buffer("partial"), buffer("x"), i32("C"), i32("hw"), i64("count"),
            i64("chunk"), i32("chunks"), i32("j0")),
    BWD_PARTIAL("batchnorm_gpu_bwd_partial", buffer("partial"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), i32("C"), i32("hw"), i64("count"), i64("chunk"), i32("chunks")),
    FWD_PARTIAL_POS("batchnorm_gpu_fwd_partial_pos", buffer("partial"), buffer("x"), i32("P"), i32("hw"), i32("N"),
            i32("rows"), i32("chunks")),
    BWD_PARTIAL_POS("batchnorm_gpu_bwd_partial_pos", buffer("partial"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), i32("P"), i32("hw"), i32("N"), i32("rows"), i32("chunks"));

    public static final String FILE = "batchnorm_gpu.cl";
    /** Positions per work-group on the positions path: the file's GPOS, which the host's group count follows. */
    public static final int GROUP_POSITIONS = 32;

    private final KernelBinding binding;

    BatchNormGpuKernel(String name, KernelBinding.Param... params) {
        this.binding = KernelBinding.of(FILE, name, params);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of the file, for the family's description and the signature test. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(BatchNormGpuKernel::binding).toList();
    }
}
