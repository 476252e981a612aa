/**
 * Layers written only against {@link org.clengine.backend.Backend}, so one model runs on the reference and on
 * OpenCL: linear, convolution, batch norm, pooling, activations, residual blocks, the loss, SGD and learning-rate
 * schedules. Parameters and buffers are named as in PyTorch's {@code state_dict}, and saved and loaded by {@link
 * org.clengine.nn.StateFile}.
 */
package org.clengine.nn;
