package org.clengine.sgd;

/**
 * One SGD step with PyTorch's formula ({@code torch.optim.SGD}, dampening 0, not Nesterov):
 * {@code d = g + weightDecay·p; buf = momentum·buf + d; p −= lr·buf}; with momentum 0 there is no buffer and
 * {@code p −= lr·d}. A buffer that starts at zero makes the first step {@code buf = d}, as PyTorch's.
 */
public record SgdParams(float lr, float momentum, float weightDecay) {

    public SgdParams {
        if (!(lr >= 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be non-negative and finite, got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be non-negative and finite, got " + weightDecay);
        }
        normal("learning rate", lr);
        normal("momentum", momentum);
        normal("weight decay", weightDecay);
    }

    /** A subnormal factor is flushed to 0 by many GPUs' fp32 and kept by the double reference: refused. */
    private static void normal(String name, float value) {
        if (value != 0 && value < Float.MIN_NORMAL) {
            throw new IllegalArgumentException(name + " must be 0 or a normal fp32 value (at least "
                    + Float.MIN_NORMAL + "), got " + value);
        }
    }

    public boolean hasMomentum() {
        return momentum != 0;
    }

    public SgdParams withLr(float value) {
        return new SgdParams(value, momentum, weightDecay);
    }
}
