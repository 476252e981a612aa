package org.clengine.batchnorm;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.f32;
import static org.clengine.device.KernelBinding.i32;
import static org.clengine.device.KernelBinding.i64;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;

/**
 * The kernels of kernels/batchnorm.cl, one constant each, with their parameters as the source names them. It lives
 * beside {@link BatchNormFamily}, which lists the bindings, and not in the OpenCL package, which the API must not
 * import.
 */
public enum BatchNormKernel {
    FWD_PARTIAL("batchnorm_fwd_partial", buffer("partial"), buffer("x"), i32("C"), i32("hw"), i64("count"),
            i64("chunk"), i32("chunks"), i32("j0")),
    FWD_MERGE("batchnorm_fwd_merge", buffer("save_mean"), buffer("save_invstd"), buffer("save_offset"),
            buffer("run_mean"), buffer("run_var"), buffer("run_skipped"), buffer("partial"), buffer("x"), i32("C"),
            i32("hw"), i32("chunks"), f32("count"), f32("eps"), f32("w_old"), f32("w_new"), f32("var_scale"),
            i32("skip")),
    INFER_STATS("batchnorm_infer_stats", buffer("mean"), buffer("invstd"), buffer("offset"), buffer("run_mean"),
            buffer("run_var"), i32("C"), f32("eps")),
    FWD_APPLY("batchnorm_fwd_apply", buffer("y"), buffer("x"), buffer("z"), buffer("mean"), buffer("offset"),
            buffer("invstd"), buffer("gamma"), buffer("beta"), i32("C"), i32("hw"), i64("total"), i64("span")),
    BWD_PARTIAL("batchnorm_bwd_partial", buffer("partial"), buffer("dy"), buffer("x"), buffer("y"), buffer("mean"),
            buffer("offset"), i32("C"), i32("hw"), i64("count"), i64("chunk"), i32("chunks")),
    BWD_MERGE("batchnorm_bwd_merge", buffer("dgamma"), buffer("dbeta"), buffer("coef"), buffer("partial"),
            buffer("invstd"), buffer("gamma"), i32("C"), i32("chunks"), f32("count"), i32("frozen")),
    BWD_APPLY("batchnorm_bwd_apply", buffer("dx"), buffer("dz"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), buffer("coef"), i32("C"), i32("hw"), i64("total"), i64("span")),
    FWD_PARTIAL_POS("batchnorm_fwd_partial_pos", buffer("partial"), buffer("x"), i32("P"), i32("hw"), i32("N"),
            i32("rows"), i32("chunks")),
    FWD_APPLY_POS("batchnorm_fwd_apply_pos", buffer("y"), buffer("x"), buffer("z"), buffer("mean"),
            buffer("offset"), buffer("invstd"), buffer("gamma"), buffer("beta"), i32("P"), i32("hw"), i32("N"),
            i32("rows")),
    BWD_PARTIAL_POS("batchnorm_bwd_partial_pos", buffer("partial"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), i32("P"), i32("hw"), i32("N"), i32("rows"), i32("chunks")),
    BWD_APPLY_POS("batchnorm_bwd_apply_pos", buffer("dx"), buffer("dz"), buffer("dy"), buffer("x"), buffer("y"),
            buffer("mean"), buffer("offset"), buffer("coef"), i32("P"), i32("hw"), i32("N"), i32("rows")),
    FWD_TRAIN_SINGLE("batchnorm_fwd_train_single", buffer("y"), buffer("save_mean"), buffer("save_invstd"),
            buffer("save_offset"), buffer("run_mean"), buffer("run_var"), buffer("run_skipped"), buffer("partial"),
            buffer("x"), buffer("z"), buffer("gamma"), buffer("beta"), i32("C"), i32("N"), f32("count"), f32("eps"),
            f32("w_old"), f32("w_new"), f32("var_scale"), i32("skip")),
    INFER_SINGLE("batchnorm_infer_single", buffer("y"), buffer("mean"), buffer("invstd"), buffer("offset"),
            buffer("run_mean"), buffer("run_var"), buffer("x"), buffer("z"), buffer("gamma"), buffer("beta"),
            i32("C"), i32("N"), f32("eps")),
    BWD_SINGLE("batchnorm_bwd_single", buffer("dx"), buffer("dz"), buffer("dgamma"), buffer("dbeta"),
            buffer("coef"), buffer("partial"), buffer("dy"), buffer("x"), buffer("y"), buffer("mean"),
            buffer("offset"), buffer("invstd"), buffer("gamma"), i32("C"), i32("N"), f32("count"), i32("frozen"));

    public static final String FILE = "batchnorm.cl";

    private final KernelBinding binding;

    BatchNormKernel(String name, KernelBinding.Param... params) {
        this.binding = KernelBinding.of(FILE, name, params);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of the file, for the family's description and the signature test. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(BatchNormKernel::binding).toList();
    }
}
