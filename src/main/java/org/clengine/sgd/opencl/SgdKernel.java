package org.clengine.sgd.opencl;

/** The kernels of kernels/sgd.cl, one constant each. */
public enum SgdKernel {
    UPDATE("sgd_update");

    public static final String FILE = "sgd.cl";
    public final String kernelName;

    SgdKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
