package org.clengine.verify;

import java.util.List;
import org.clengine.device.KernelBinding;

/**
 * What an op family registers once, in its own package: its stem (batchnorm, conv2d, ...), the bindings of every
 * kernel it owns (and so its files in {@code kernels/}), its verification and its bad-input cases. The backend's
 * registry pairs it with the ops object of a backend; verify's families, the kernel files, the kernel-signature and
 * kernel-coverage tests and the bad-input suite are all derived from it.
 */
public record OpDescription<O>(String stem, List<KernelBinding> kernels, OpVerification<O> verification,
        List<BadInputCase<O>> badInputs) {
    public OpDescription {
        kernels = List.copyOf(kernels);
        badInputs = List.copyOf(badInputs);
    }

    /** The files of kernels/ this family owns, in first-seen order. */
    public List<String> kernelFiles() {
        return kernels.stream().map(KernelBinding::file).distinct().toList();
    }
}
