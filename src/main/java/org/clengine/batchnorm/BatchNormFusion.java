package org.clengine.batchnorm;

/** What batch normalization's forward applies after the affine transform. */
public enum BatchNormFusion {
    /** y = BN(x). */
    NONE(0),
    /** y = relu(BN(x)); backward masks dy with y > 0 in the same passes. */
    RELU(1),
    /** y = relu(BN(x) + z), the residual block's tail; backward also returns dz. */
    ADD_RELU(2);

    /** The value of the kernels' FUSE define. */
    public final int define;

    BatchNormFusion(int define) {
        this.define = define;
    }

    public boolean hasRelu() {
        return this != NONE;
    }

    public boolean hasResidual() {
        return this == ADD_RELU;
    }

    /** Name used in descriptors, verify rows and benchmark variants. */
    public String label() {
        return switch (this) {
            case NONE -> "plain";
            case RELU -> "relu";
            case ADD_RELU -> "add_relu";
        };
    }
}
