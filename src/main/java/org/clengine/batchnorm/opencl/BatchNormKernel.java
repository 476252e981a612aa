package org.clengine.batchnorm.opencl;

/** The kernels of kernels/batchnorm.cl, one constant each. */
public enum BatchNormKernel {
    FWD_PARTIAL("batchnorm_fwd_partial"),
    FWD_MERGE("batchnorm_fwd_merge"),
    INFER_STATS("batchnorm_infer_stats"),
    FWD_APPLY("batchnorm_fwd_apply"),
    BWD_PARTIAL("batchnorm_bwd_partial"),
    BWD_MERGE("batchnorm_bwd_merge"),
    BWD_APPLY("batchnorm_bwd_apply"),
    FWD_PARTIAL_POS("batchnorm_fwd_partial_pos"),
    FWD_APPLY_POS("batchnorm_fwd_apply_pos"),
    BWD_PARTIAL_POS("batchnorm_bwd_partial_pos"),
    BWD_APPLY_POS("batchnorm_bwd_apply_pos"),
    FWD_TRAIN_SINGLE("batchnorm_fwd_train_single"),
    INFER_SINGLE("batchnorm_infer_single"),
    BWD_SINGLE("batchnorm_bwd_single");

    public static final String FILE = "batchnorm.cl";
    public final String kernelName;

    BatchNormKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
