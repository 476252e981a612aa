/**
 * 2-D convolution, input N,C,H,W, weights K,C/groups,R,S, output N,K,P,Q: forward with bias and ReLU, backward
 * for data and weights, grouped and depthwise, and convolution followed by a training-mode batch norm. The contract
 * ({@link org.clengine.conv2d.Conv2dOps}), shape, reference, launch policy and verification; the OpenCL
 * implementation (built on matmul and batchnorm) is internal.
 */
package org.clengine.conv2d;
