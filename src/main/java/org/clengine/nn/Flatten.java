package org.clengine.nn;

import java.util.Arrays;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/** [N, d1, d2, ...] → [N, d1·d2·…] as a view: no copy, no device memory. */
public final class Flatten extends Module {
    private int[] inputShape;

    public Flatten(Backend backend) {
        super(backend);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x == null || x.rank() < 2) {
            throw new IllegalArgumentException("Flatten expects [N, ...], got " + (x == null ? "null"
                    : x.shapeString()));
        }
        inputShape = x.shape();
        return x.view(x.dim(0), x.size() / x.dim(0));
    }

    @Override
    public Tensor backward(Tensor dy) {
        return inputGradient() ? dy.view(inputShape) : null;
    }

    @Override
    public String toString() {
        return "Flatten" + (inputShape == null ? "" : Arrays.toString(inputShape));
    }
}
