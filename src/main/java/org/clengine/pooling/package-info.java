/**
 * Max, average and global average pooling over NCHW, forward and backward. The contract ({@link
 * org.clengine.pooling.PoolingOps}), shapes, reference, launch policy and verification; the OpenCL implementation
 * is internal.
 */
package org.clengine.pooling;
