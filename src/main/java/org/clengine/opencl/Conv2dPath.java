package org.clengine.opencl;

/** Which kernels a convolution runs: chosen per shape (AUTO), or forced, as tests do to check both on every shape. */
public enum Conv2dPath {
    AUTO, DIRECT, GEMM
}
