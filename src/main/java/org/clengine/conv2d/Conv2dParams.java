package org.clengine.conv2d;

import org.clengine.core.ShapeMath;

/**
 * Convolution parameters, as PyTorch's {@code F.conv2d}: strides, padding per side (top, bottom, left, right),
 * dilation (1 = none), groups, and an optional fused ReLU on the forward output. Strides, pads and dilations are at
 * most {@link ShapeMath#MAX_EXTENT} (2^30), so that the kernels' row and column arithmetic stays inside int.
 */
public record Conv2dParams(int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight,
        int dilationH, int dilationW, int groups, boolean relu) {
    public static final Conv2dParams DEFAULT = new Conv2dParams(1, 1, 0, 0, 0, 0, 1, 1, 1, false);

    public Conv2dParams {
        positive("stride", strideH, strideW);
        positive("dilation", dilationH, dilationW);
        positive("groups", groups, 1);
        if (padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0) {
            throw new IllegalArgumentException("padding must be non-negative, got top " + padTop + ", bottom "
                    + padBottom + ", left " + padLeft + ", right " + padRight);
        }
        ShapeMath.extent("stride", Math.max(strideH, strideW));
        ShapeMath.extent("dilation", Math.max(dilationH, dilationW));
        ShapeMath.extent("padding", Math.max(Math.max(padTop, padBottom), Math.max(padLeft, padRight)));
    }

    private static void positive(String what, int a, int b) {
        if (a < 1 || b < 1) throw new IllegalArgumentException(what + " must be at least 1, got " + a + "×" + b);
    }

    public Conv2dParams withStride(int h, int w) {
        return new Conv2dParams(h, w, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups, relu);
    }

    /** Symmetric padding: h rows above and below, w columns left and right. */
    public Conv2dParams withPadding(int h, int w) {
        return new Conv2dParams(strideH, strideW, h, h, w, w, dilationH, dilationW, groups, relu);
    }

    public Conv2dParams withPadding(int top, int bottom, int left, int right) {
        return new Conv2dParams(strideH, strideW, top, bottom, left, right, dilationH, dilationW, groups, relu);
    }

    public Conv2dParams withDilation(int h, int w) {
        return new Conv2dParams(strideH, strideW, padTop, padBottom, padLeft, padRight, h, w, groups, relu);
    }

    public Conv2dParams withGroups(int g) {
        return new Conv2dParams(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, g, relu);
    }

    public Conv2dParams withRelu(boolean value) {
        return new Conv2dParams(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups,
                value);
    }
}
