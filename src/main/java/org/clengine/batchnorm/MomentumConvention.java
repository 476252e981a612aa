package org.clengine.batchnorm;

/** How the running statistics are updated from a batch. */
public enum MomentumConvention {
    /** PyTorch: running = (1−momentum)·running + momentum·batch; running_var gets the unbiased variance. */
    PYTORCH,
    /** ONNX and Keras: running = momentum·running + (1−momentum)·batch; running_var gets the biased variance. */
    ONNX
}
