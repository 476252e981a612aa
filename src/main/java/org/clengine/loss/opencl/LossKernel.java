package org.clengine.loss.opencl;

/** The kernels of kernels/loss.cl, one constant each. */
public enum LossKernel {
    SOFTMAX_XENT_ROWS("loss_softmax_xent_rows"),
    SOFTMAX_XENT_SUM("loss_softmax_xent_sum");

    public static final String FILE = "loss.cl";
    public final String kernelName;

    LossKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
