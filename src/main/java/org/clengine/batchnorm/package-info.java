/**
 * Batch normalization over NCHW, statistics per channel: training forward (with running statistics), inference
 * and backward, optionally fused with a ReLU and a residual add. The contract ({@link
 * org.clengine.batchnorm.BatchNormOps}) and its argument records, the shape descriptor, the plain-Java reference,
 * the launch policy and the verification; the OpenCL implementation is internal.
 */
package org.clengine.batchnorm;
