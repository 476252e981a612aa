package org.clengine.matmul.opencl;

/** The kernels of kernels/matmul.cl, one constant each. */
public enum MatmulKernel {
    PLAIN("matmul_plain"),
    PACK_A("matmul_pack_a"),
    PACK_B("matmul_pack_b"),
    PACKED("matmul_packed");

    public static final String FILE = "matmul.cl";
    public final String kernelName;

    MatmulKernel(String kernelName) {
        this.kernelName = kernelName;
    }
}
