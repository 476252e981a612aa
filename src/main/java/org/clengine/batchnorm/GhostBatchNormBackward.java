package org.clengine.batchnorm;

/**
 * Ghost batch norm's backward: batch norm's backward within each virtual batch, from the [G, C] statistics its
 * forward saved; dgamma and dbeta are summed over the virtual batches in order.
 *
 * @param call         the backward call, its saved statistics [G, C]
 * @param virtualBatch the forward's virtual batch
 */
public record GhostBatchNormBackward(BatchNormBackward call, int virtualBatch) {
}
