package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/** ReLU or sigmoid, elementwise. A ReLU that {@link Sequential} fused into the layer before passes through. */
public final class Activation extends Module {
    public enum Kind { RELU, SIGMOID }

    private final Kind kind;
    private boolean absorbed;
    private Tensor y;

    public Activation(Backend backend, Kind kind) {
        super(backend);
        this.kind = kind;
    }

    public static Activation relu(Backend backend) {
        return new Activation(backend, Kind.RELU);
    }

    public static Activation sigmoid(Backend backend) {
        return new Activation(backend, Kind.SIGMOID);
    }

    public Kind kind() {
        return kind;
    }

    /** The layer before applies this ReLU itself; forward and backward pass through. */
    void absorb() {
        absorbed = true;
    }

    public boolean absorbed() {
        return absorbed;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x == null) throw new IllegalArgumentException(kind + ": input is null");
        if (absorbed) return x;
        y = workspace("y", x.dtype(), x.shape());
        if (kind == Kind.RELU) {
            backend.elementwise().reluForward(y, x);
        } else {
            backend.elementwise().sigmoidForward(y, x);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (absorbed) return dy;
        expectForward(kind.name(), y);
        Tensor dx = workspace("dx", y.dtype(), y.shape());
        if (kind == Kind.RELU) {
            backend.elementwise().reluBackward(dx, dy, y);
        } else {
            backend.elementwise().sigmoidBackward(dx, dy, y);
        }
        return dx;
    }
}
