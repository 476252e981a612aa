package org.clengine.conv2d;

import static org.clengine.core.TensorChecks.optional;
import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/** Checks every convolution call before anything runs; both backends call these. */
public final class Conv2dArgs {
    private Conv2dArgs() {
    }

    public static Conv2dShape checkForward(Memory b, Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dParams p) {
        return checkForward(b, "y", y, x, w, bias, p);
    }

    /** As {@link #checkForward(Memory, Tensor, Tensor, Tensor, Tensor, Conv2dParams)}, the output named yName. */
    public static Conv2dShape checkForward(Memory b, String yName, Tensor y, Tensor x, Tensor w, Tensor bias,
            Conv2dParams p) {
        Conv2dShape s = shape(b, "x", x, "weights", w, p);
        require(b, yName, y, s.yDims());
        optional(b, "bias", bias, s.k());
        return s;
    }

    public static Conv2dShape checkBackwardData(Memory b, Tensor dx, Tensor dy, Tensor w, Conv2dParams p) {
        Conv2dShape s = shape(b, "dx", dx, "weights", w, p);
        require(b, "dy", dy, s.yDims());
        return s;
    }

    public static Conv2dShape checkBackwardWeights(Memory b, Tensor dw, Tensor dbias, Tensor dy, Tensor x,
            Conv2dParams p) {
        Conv2dShape s = shape(b, "x", x, "dw", dw, p);
        require(b, "dy", dy, s.yDims());
        optional(b, "dbias", dbias, s.k());
        return s;
    }

    private static Conv2dShape shape(Memory b, String inputName, Tensor input, String weightsName, Tensor weights,
            Conv2dParams p) {
        if (p == null) throw new IllegalArgumentException("params is null");
        require(b, inputName, input);
        require(b, weightsName, weights);
        return Conv2dShape.of(input.shape(), weights.shape(), p);
    }
}
