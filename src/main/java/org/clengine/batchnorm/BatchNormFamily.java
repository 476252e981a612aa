package org.clengine.batchnorm;

import org.clengine.verify.OpDescription;

/** Batch normalization as registered once: its stem, kernels, verification and bad-input cases. */
public final class BatchNormFamily {
    public static final OpDescription<BatchNormOps> DESCRIPTION = new OpDescription<>("batchnorm",
            bindings(), new BatchNormVerification(), badInputs());

    private BatchNormFamily() {
    }

    /** Batch norm's kernels, ghost batch norm's and batch renormalization's (issue 14), the GPU family's (13). */
    private static java.util.List<org.clengine.device.KernelBinding> bindings() {
        java.util.List<org.clengine.device.KernelBinding> all = new java.util.ArrayList<>(BatchNormKernel.bindings());
        all.addAll(BatchNormVariantKernel.bindings());
        all.addAll(BatchNormGpuKernel.bindings());
        return java.util.List.copyOf(all);
    }

    private static java.util.List<org.clengine.verify.BadInputCase<BatchNormOps>> badInputs() {
        java.util.List<org.clengine.verify.BadInputCase<BatchNormOps>> all =
                new java.util.ArrayList<>(BatchNormBadInputs.cases());
        all.addAll(GhostRenormBadInputs.cases());
        return java.util.List.copyOf(all);
    }
}
