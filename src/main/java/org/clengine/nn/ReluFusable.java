package org.clengine.nn;

/**
 * A layer that can apply the ReLU that follows it in its own kernels: batch norm (BN+ReLU), convolution and linear
 * (ReLU epilogue). {@link Sequential} fuses such pairs when it is built.
 */
public interface ReluFusable {
    void fuseRelu();

    boolean reluFused();
}
