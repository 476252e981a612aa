package org.clengine.batchnorm;

/**
 * Batch renormalization's forward training (Ioffe 2017): {@code y = gamma·(r·x̂ + d) + beta}, x̂ from the batch's
 * statistics, r and d from the running statistics before this batch's update (sigma = sqrt(running var + eps)),
 * written to {@code corrections}; then the running statistics are updated as batch norm's. Running statistics are
 * required. In inference it is plain batch norm on the running statistics.
 *
 * @param call        the batch-norm call (saved statistics [C], running statistics required)
 * @param limits      rmax and dmax for this step
 * @param corrections outputs r and d [C], for the backward
 */
public record BatchRenormTraining(BatchNormTraining call, BatchRenorm limits, BatchRenormSaved corrections) {
}
