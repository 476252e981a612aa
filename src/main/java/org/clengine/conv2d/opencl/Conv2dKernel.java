package org.clengine.conv2d.opencl;

/** The kernels of kernels/conv2d.cl and conv2d_depthwise.cl, one constant each. */
public enum Conv2dKernel {
    FWD_DIRECT("conv2d_fwd_direct"),
    BWD_DATA_DIRECT("conv2d_bwd_data_direct"),
    BWD_WEIGHTS_DIRECT("conv2d_bwd_weights_direct"),
    BWD_BIAS("conv2d_bwd_bias"),
    FWD_DEPTHWISE("conv2d_fwd_depthwise", "conv2d_depthwise.cl"),
    BWD_WEIGHTS_DEPTHWISE("conv2d_bwd_weights_depthwise", "conv2d_depthwise.cl"),
    IM2COL("conv2d_im2col"),
    IM2COL_WIDE("conv2d_im2col_wide"),
    IMAGES_WIDE("conv2d_images_wide"),
    IMAGES_NARROW("conv2d_images_narrow"),
    BWD_WEIGHTS_DOT("conv2d_bwd_weights_dot"),
    COL2IM("conv2d_col2im"),
    FLIP_WEIGHTS("conv2d_flip_weights"),
    PHASE_GATHER("conv2d_phase_gather"),
    SUM_IMAGES("conv2d_sum_images");

    public static final String FILE = "conv2d.cl";
    public final String kernelName;
    public final String file;

    Conv2dKernel(String kernelName) {
        this(kernelName, FILE);
    }

    Conv2dKernel(String kernelName, String file) {
        this.kernelName = kernelName;
        this.file = file;
    }
}
