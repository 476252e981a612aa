package org.clengine.batchnorm;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.f32;
import static org.clengine.device.KernelBinding.i32;
import static org.clengine.device.KernelBinding.i64;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;

/** The ghost batch norm and batch renormalization kernels of kernels/batchnorm.cl, one constant each. */
public enum BatchNormVariantKernel {
    GHOST_FWD_PARTIAL("batchnorm_ghost_fwd_partial", buffer("partial"), buffer("x"), i32("C"), i32("hw"), i32("V"),
            i32("units"), i64("chunk"), i32("chunks")),
    GHOST_FWD_MERGE("batchnorm_ghost_fwd_merge", buffer("save_mean"), buffer("save_invstd"), buffer("save_offset"),
            buffer("run_mean"), buffer("run_var"), buffer("run_skipped"), buffer("partial"), buffer("x"), i32("C"),
            i32("hw"), i32("V"), i32("G"), i32("chunks"), f32("count"), f32("eps"), f32("w_old"), f32("w_new"),
            i64("tracked"), i32("cumulative"), f32("var_scale"), i32("skip")),
    RENORM_FWD_MERGE("batchnorm_renorm_fwd_merge", buffer("save_mean"), buffer("save_invstd"),
            buffer("save_offset"), buffer("r_out"), buffer("d_out"), buffer("scale"), buffer("shift"),
            buffer("run_mean"), buffer("run_var"), buffer("run_skipped"), buffer("partial"), buffer("x"),
            buffer("gamma"), buffer("beta"), i32("C"), i32("hw"), i32("chunks"), f32("count"), f32("eps"),
            f32("w_old"), f32("w_new"), f32("var_scale"), f32("rmax"), f32("dmax"), i32("skip")),
    GHOST_FWD_APPLY("batchnorm_ghost_fwd_apply", buffer("y"), buffer("x"), buffer("z"), buffer("mean"),
            buffer("offset"), buffer("invstd"), buffer("gamma"), buffer("beta"), i32("C"), i32("hw"), i32("V"),
            i64("total"), i64("span")),
    GHOST_BWD_PARTIAL("batchnorm_ghost_bwd_partial", buffer("partial"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), i32("C"), i32("hw"), i32("V"), i32("units"), i64("chunk"),
            i32("chunks")),
    GHOST_BWD_MERGE("batchnorm_ghost_bwd_merge", buffer("dgamma"), buffer("dbeta"), buffer("coef"),
            buffer("partial"), buffer("invstd"), buffer("gamma"), buffer("r"), buffer("d"), i32("C"), i32("G"),
            i32("chunks"), f32("count")),
    GHOST_BWD_APPLY("batchnorm_ghost_bwd_apply", buffer("dx"), buffer("dz"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), buffer("coef"), i32("C"), i32("hw"), i32("V"), i64("total"),
            i64("span"));

    private final KernelBinding binding;

    BatchNormVariantKernel(String name, KernelBinding.Param... params) {
        this.binding = KernelBinding.of(BatchNormKernel.FILE, name, params);
    }

    public KernelBinding binding() {
        return binding;
    }

    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(BatchNormVariantKernel::binding).toList();
    }
}
