package org.clengine.conv2d;

import static org.clengine.core.TensorChecks.optional;
import static org.clengine.core.TensorChecks.require;
import static org.clengine.core.TensorChecks.requireAnyDType;

import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks every convolution call before anything runs; both backends call these. No call runs in place: an output
 * sharing storage with an input (views included) is refused, since each output element reads a window of many
 * input elements that other work-items may already have overwritten.
 */
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
        requireAnyDType(b, yName, y, s.yDims());
        sameDType("x", x, yName, y);
        optional(b, "bias", bias, s.k());
        Aliasing.outputs(yName, y).inputs("x", x, "weights", w, "bias", bias).check();
        return s;
    }

    /**
     * The conv → BN fusion as one op: neither the convolution's output (bn.x) nor BN's outputs may overlap the
     * convolution's inputs or BN's other inputs. (BN's own check covers its outputs against bn.x.)
     */
    public static void checkFusedAliasing(Tensor x, Tensor w, Tensor bias, BatchNormTraining bn) {
        BatchNormRunningStats r = bn.running();
        Aliasing.outputs("bn.x (the convolution's output)", bn.x(), "bn.y", bn.y(), "saveMean", bn.saved().mean(),
                "saveInvstd", bn.saved().invstd(), "saveOffset", bn.saved().offset(), "running mean",
                r == null ? null : r.mean(), "running var", r == null ? null : r.var(), "skipped updates",
                r == null ? null : r.skipped())
                .inputs("x", x, "weights", w, "bias", bias, "gamma", bn.gamma(), "beta", bn.beta(), "residual",
                        bn.residual())
                .check();
    }

    public static Conv2dShape checkBackwardData(Memory b, Tensor dx, Tensor dy, Tensor w, Conv2dParams p) {
        Conv2dShape s = shape(b, "dx", dx, "weights", w, p);
        requireAnyDType(b, "dy", dy, s.yDims());
        sameDType("dx", dx, "dy", dy);
        Aliasing.outputs("dx", dx).inputs("dy", dy, "weights", w).check();
        return s;
    }

    public static Conv2dShape checkBackwardWeights(Memory b, Tensor dw, Tensor dbias, Tensor dy, Tensor x,
            Conv2dParams p) {
        Conv2dShape s = shape(b, "x", x, "dw", dw, p);
        require(b, "dw", dw); // weight gradients are F32 whatever x and dy are: they feed fp32 master weights
        requireAnyDType(b, "dy", dy, s.yDims());
        sameDType("x", x, "dy", dy);
        optional(b, "dbias", dbias, s.k());
        Aliasing.outputs("dw", dw, "dbias", dbias).inputs("dy", dy, "x", x).check();
        return s;
    }

    private static Conv2dShape shape(Memory b, String inputName, Tensor input, String weightsName, Tensor weights,
            Conv2dParams p) {
        if (p == null) throw new IllegalArgumentException("params is null");
        requireAnyDType(b, inputName, input);
        requireAnyDType(b, weightsName, weights);
        if (!weightsName.equals("dw")) sameDType(inputName, input, weightsName, weights);
        return Conv2dShape.of(input.shape(), weights.shape(), p);
    }

    /**
     * Activations and weights share one dtype (F32, F16 or BF16): the kernels are built for one. A mix is refused,
     * never converted silently.
     */
    private static void sameDType(String firstName, Tensor first, String name, Tensor t) {
        if (t.dtype() != first.dtype()) {
            throw new IllegalArgumentException("conv2d takes " + firstName + " and " + name + " in one dtype: "
                    + firstName + " is " + first.dtype() + ", " + name + " is " + t.dtype());
        }
    }
}
