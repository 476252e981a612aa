package org.clengine.pooling;

import static org.clengine.core.TensorChecks.requireAnyDType;
import static org.clengine.core.TensorChecks.sameDType;

import java.util.Arrays;
import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Checks every pooling call before anything runs; both backends call these. No call runs in place: an output that
 * shares storage with an input (views included, possible when the output has the input's size) is refused. The
 * tensors of one call are F32, F16 or BF16, all of one dtype (issue 15): a mix is refused, never converted.
 */
public final class PoolingArgs {
    private PoolingArgs() {
    }

    /** Max and average pooling forward: y [N,C,P,Q] from x [N,C,H,W]. */
    public static Pool2dShape checkForward(Memory b, Tensor y, Tensor x, Pool2dParams p) {
        Pool2dShape s = shape(b, "x", x, p);
        requireAnyDType(b, "y", y, s.yDims());
        sameDType("x", x, "y", y);
        Aliasing.outputs("y", y).inputs("x", x).check();
        return s;
    }

    /** Max pooling backward: dx from dy and the forward's input x (the argmax is found again in x). */
    public static Pool2dShape checkMaxBackward(Memory b, Tensor dx, Tensor dy, Tensor x, Pool2dParams p) {
        Pool2dShape s = shape(b, "x", x, p);
        requireAnyDType(b, "dx", dx, s.xDims());
        requireAnyDType(b, "dy", dy, s.yDims());
        sameDType("x", x, "dy", dy);
        sameDType("x", x, "dx", dx);
        Aliasing.outputs("dx", dx).inputs("dy", dy, "x", x).check();
        return s;
    }

    /** Average pooling backward: dx [N,C,H,W] from dy. */
    public static Pool2dShape checkAvgBackward(Memory b, Tensor dx, Tensor dy, Pool2dParams p) {
        Pool2dShape s = shape(b, "dx", dx, p);
        requireAnyDType(b, "dy", dy, s.yDims());
        sameDType("dy", dy, "dx", dx);
        Aliasing.outputs("dx", dx).inputs("dy", dy).check();
        return s;
    }

    /** Global average pooling: big [N,C,H,W] (x or dx) and small [N,C] (y or dy), one of them the output. */
    public static void checkGlobal(Memory b, String bigName, Tensor big, String smallName, Tensor small) {
        requireAnyDType(b, bigName, big);
        if (big.rank() != 4) {
            throw new IllegalArgumentException("global average pooling takes " + bigName + " [N,C,H,W], got "
                    + big.shapeString());
        }
        requireAnyDType(b, smallName, small, big.dim(0), big.dim(1));
        sameDType(bigName, big, smallName, small);
        boolean forward = smallName.equals("y");
        Aliasing.outputs(forward ? smallName : bigName, forward ? small : big)
                .inputs(forward ? bigName : smallName, forward ? big : small).check();
    }

    private static Pool2dShape shape(Memory b, String name, Tensor t, Pool2dParams p) {
        if (p == null) throw new IllegalArgumentException("params is null");
        requireAnyDType(b, name, t);
        if (t.rank() != 4) {
            throw new IllegalArgumentException("pooling takes " + name + " [N,C,H,W], got " + Arrays.toString(
                    t.shape()));
        }
        return Pool2dShape.of(t.shape(), p);
    }
}
