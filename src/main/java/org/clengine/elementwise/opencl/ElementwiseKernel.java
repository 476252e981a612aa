package org.clengine.elementwise.opencl;

/** The kernels of kernels/elementwise.cl, one constant each. */
public enum ElementwiseKernel {
    SCALE("elementwise_scale"),
    ADD("elementwise_add"),
    ADD_BWD("elementwise_add_bwd"),
    RELU_FWD("elementwise_relu_fwd"),
    RELU_BWD("elementwise_relu_bwd"),
    SIGMOID_FWD("elementwise_sigmoid_fwd"),
    SIGMOID_BWD("elementwise_sigmoid_bwd");

    public static final String FILE = "elementwise.cl";
    public final String kernelName;

    ElementwiseKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
