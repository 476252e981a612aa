package org.clengine.elementwise.opencl;

/** The kernels of kernels/copy.cl. */
public enum CopyKernel {
    COPY_FLOAT4("copy_float4");

    public static final String FILE = "copy.cl";
    public final String kernelName;

    CopyKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
