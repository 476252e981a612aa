package org.clengine.conv2d;

/**
 * Which kernels a convolution runs: chosen per shape (AUTO), or forced, as tests do to check each on every shape.
 * DEPTHWISE: the 16-wide row kernels (made for depthwise layers) wherever their taps fit, else direct. BLOCKED: the
 * channel-blocked direct kernel (conv2d_blocked.cl) for the forward and the backward-data's stride-1 forwards wherever
 * it applies (groups 1), else as AUTO.
 */
public enum Conv2dPath {
    AUTO, DIRECT, GEMM, DEPTHWISE, BLOCKED
}
