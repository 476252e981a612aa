package org.clengine.pooling.opencl;

/** The kernels of kernels/pooling.cl, one constant each. */
public enum PoolingKernel {
    MAX_FWD("pooling_max_fwd"),
    MAX_BWD("pooling_max_bwd"),
    MAX_BWD_DISJOINT("pooling_max_bwd_disjoint"),
    AVG_FWD("pooling_avg_fwd"),
    AVG_BWD("pooling_avg_bwd"),
    GLOBAL_AVG_FWD("pooling_global_avg_fwd"),
    GLOBAL_AVG_BWD("pooling_global_avg_bwd");

    public static final String FILE = "pooling.cl";
    public final String kernelName;

    PoolingKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
