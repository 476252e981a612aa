package org.clengine.verify;

import java.util.List;

/**
 * What an op family registers once, in its own package: its stem (batchnorm, conv2d, ...), the kernel files it owns
 * in {@code kernels/}, its verification and its bad-input cases. The backend's registry pairs it with the ops object
 * of a backend; verify's families, the kernel-coverage test, the bad-input suite and the kernel file list derive from
 * it.
 */
public record OpDescription<O>(String stem, List<String> kernelFiles, OpVerification<O> verification,
        List<BadInputCase<O>> badInputs) {
    public OpDescription {
        kernelFiles = List.copyOf(kernelFiles);
        badInputs = List.copyOf(badInputs);
    }
}
