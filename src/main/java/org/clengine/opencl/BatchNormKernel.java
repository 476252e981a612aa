package org.clengine.opencl;

/** The kernels of kernels/batchnorm.cl, one constant each. */
public enum BatchNormKernel {
    FWD_PARTIAL("batchnorm_fwd_partial"),
    FWD_MERGE("batchnorm_fwd_merge"),
    INFER_STATS("batchnorm_infer_stats"),
    FWD_APPLY("batchnorm_fwd_apply"),
    BWD_PARTIAL("batchnorm_bwd_partial"),
    BWD_MERGE("batchnorm_bwd_merge"),
    BWD_APPLY("batchnorm_bwd_apply");

    public static final String FILE = "batchnorm.cl";
    public final String kernelName;

    BatchNormKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
