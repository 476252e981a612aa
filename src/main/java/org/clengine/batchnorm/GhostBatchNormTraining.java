package org.clengine.batchnorm;

/**
 * Ghost batch norm's forward training (Hoffer et al. 2017): the batch's N samples are N / virtualBatch virtual
 * batches of {@code virtualBatch} contiguous samples, each normalized by its own statistics; the running statistics
 * (when given) take one update per virtual batch, in virtual-batch order, as Keras 2 did. The call's saved mean and
 * invstd are [G, C] with G = N / virtualBatch; everything else is as in {@link BatchNormTraining}.
 *
 * @param call         the batch-norm call, its saved statistics [G, C]
 * @param virtualBatch samples per virtual batch: positive, divides N
 */
public record GhostBatchNormTraining(BatchNormTraining call, int virtualBatch) {
}
