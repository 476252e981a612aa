package org.clengine.batchnorm;

import org.clengine.verify.OpDescription;

/** Batch normalization as registered once: its stem, kernels, verification and bad-input cases. */
public final class BatchNormFamily {
    public static final OpDescription<BatchNormOps> DESCRIPTION = new OpDescription<>("batchnorm",
            BatchNormKernel.bindings(), new BatchNormVerification(), BatchNormBadInputs.cases());

    private BatchNormFamily() {
    }
}
