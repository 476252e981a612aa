/**
 * Softmax cross-entropy, mean over the batch, with its gradient, as PyTorch computes it. The contract ({@link
 * org.clengine.loss.LossOps}), reference and verification; the OpenCL implementation is internal.
 */
package org.clengine.loss;
