package org.clengine.batchnorm;

/**
 * Batch renormalization's backward with r and d constants: dx is batch norm's with gamma·r in place of gamma,
 * dgamma = r·Σ g·x̂ + d·Σ g, dbeta = Σ g.
 *
 * @param call        the backward call (saved statistics [C])
 * @param corrections the forward's r and d [C]
 */
public record BatchRenormBackward(BatchNormBackward call, BatchRenormSaved corrections) {
}
