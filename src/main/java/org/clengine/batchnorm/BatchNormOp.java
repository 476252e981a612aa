package org.clengine.batchnorm;

/** The three batch normalization ops, with the names used in benchmark JSON. */
public enum BatchNormOp {
    FORWARD_TRAINING("batchnorm_fwd_train"),
    FORWARD_INFERENCE("batchnorm_fwd_infer"),
    BACKWARD("batchnorm_bwd");

    public final String jsonName;

    BatchNormOp(String jsonName) {
        this.jsonName = jsonName;
    }
}
