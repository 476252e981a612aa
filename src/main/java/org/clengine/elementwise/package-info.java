/**
 * The small ops of the training loop: copy, fill, scale, the residual add and its gradient, ReLU and sigmoid. The
 * contract ({@link org.clengine.elementwise.ElementwiseOps}), reference and verification; the OpenCL implementation
 * is internal.
 */
package org.clengine.elementwise;
