package org.clengine.conv2d;

import org.clengine.batchnorm.BatchNormArgs;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * 2-D convolution's contract (PyTorch's F.conv2d and its two gradients), implemented by {@link Conv2dReference}
 * (plain loops, double) and by the OpenCL path. x [N,C,H,W], w [K,C/groups,R,S], y [N,K,P,Q]. Every call is checked
 * here, identically for both, then run while holding the memory.
 */
public abstract class Conv2dOps {
    private final Memory memory;

    protected Conv2dOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public final Memory memory() {
        return memory;
    }

    /**
     * Whether this implementation runs convolutions whose activations and weights are {@code dtype}: the reference
     * and the AUTO, GEMM, DIRECT and BLOCKED paths take F32, F16 and BF16; a device forced onto the row kernels
     * (DEPTHWISE) only F32, and refuses the others by name.
     */
    public boolean takes(DType dtype) {
        return dtype != null;
    }

    /** y = conv(x, w), then ReLU when {@code params.relu()}. */
    public final void forward(Tensor y, Tensor x, Tensor w, Conv2dParams params) {
        forward(y, x, w, null, params);
    }

    /** y = conv(x, w) + bias [K] (null: no bias), then ReLU when {@code params.relu()}. */
    public final void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dParams params) {
        memory.exclusive(() -> forward(y, x, w, bias, Conv2dArgs.checkForward(memory, y, x, w, bias, params)));
    }

    /** dx [N,C,H,W] from dy [N,K,P,Q] and w. */
    public final void backwardData(Tensor dx, Tensor dy, Tensor w, Conv2dParams params) {
        memory.exclusive(() -> backwardData(dx, dy, w, Conv2dArgs.checkBackwardData(memory, dx, dy, w, params)));
    }

    /** dw [K,C/groups,R,S] from dy and x. */
    public final void backwardWeights(Tensor dw, Tensor dy, Tensor x, Conv2dParams params) {
        backwardWeights(dw, null, dy, x, params);
    }

    /** dw [K,C/groups,R,S] and dbias [K] (null: not wanted) from dy and x. */
    public final void backwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dParams params) {
        memory.exclusive(() -> backwardWeights(dw, dbias, dy, x,
                Conv2dArgs.checkBackwardWeights(memory, dw, dbias, dy, x, params)));
    }

    /**
     * Convolution, then batch normalization in training mode, with the statistics taken as the convolution writes
     * its output (cuDNN's fused ResNet path does this): {@code bn.x()} receives conv(x, w) + bias (kept: BN's
     * backward needs it), then {@code bn} runs as {@code BatchNormOps.forwardTraining} would. The result is bitwise
     * the unfused one's.
     */
    public final void forwardBatchNormTraining(Tensor x, Tensor w, Tensor bias, Conv2dParams params,
            BatchNormTraining bn) {
        memory.exclusive(() -> {
            if (bn == null) throw new IllegalArgumentException("bn is null");
            Conv2dShape cs = Conv2dArgs.checkForward(memory, "bn.x (the convolution's output)", bn.x(), x, w, bias,
                    params);
            BatchNormShape bs = BatchNormArgs.checkTraining(memory, bn);
            Conv2dArgs.checkFusedAliasing(x, w, bias, bn);
            forwardBatchNormTraining(x, w, bias, cs, bn, bs);
        });
    }

    protected abstract void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape shape);

    protected abstract void backwardData(Tensor dx, Tensor dy, Tensor w, Conv2dShape shape);

    protected abstract void backwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dShape shape);

    /** The unfused pair by default; a device path may take the statistics as it writes. */
    protected abstract void forwardBatchNormTraining(Tensor x, Tensor w, Tensor bias, Conv2dShape conv,
            BatchNormTraining bn, BatchNormShape shape);
}
