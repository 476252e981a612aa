package org.clengine.pooling;

import org.clengine.core.ShapeMath;

/**
 * Window, stride and padding of a 2-D pooling, as PyTorch's {@code MaxPool2d} / {@code AvgPool2d} with
 * {@code ceil_mode=False} and no dilation. Padding is at most half the window, as PyTorch requires; windows and
 * strides are at most {@link ShapeMath#MAX_EXTENT} (2^30), for the kernels' int row and column arithmetic.
 *
 * @param countIncludePad average pooling only: divide by the whole window, padding included (PyTorch's default), or
 *                        by the input values inside it
 */
public record Pool2dParams(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
        boolean countIncludePad) {

    public Pool2dParams {
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("pooling window must be at least 1×1, got " + kernelH + "×" + kernelW);
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("pooling stride must be at least 1, got " + strideH + "×" + strideW);
        }
        ShapeMath.extent("pooling window", Math.max(kernelH, kernelW));
        ShapeMath.extent("pooling stride", Math.max(strideH, strideW));
        if (padH < 0 || padW < 0 || 2L * padH > kernelH || 2L * padW > kernelW) {
            throw new IllegalArgumentException("pooling padding must be between 0 and half the window, got " + padH
                    + "×" + padW + " for a " + kernelH + "×" + kernelW + " window");
        }
    }

    /** A k×k window, stride k (non-overlapping), no padding: PyTorch's {@code MaxPool2d(k)}. */
    public static Pool2dParams of(int k) {
        return new Pool2dParams(k, k, k, k, 0, 0, true);
    }

    /** A k×k window with stride s and padding p on every side. */
    public static Pool2dParams of(int k, int s, int p) {
        return new Pool2dParams(k, k, s, s, p, p, true);
    }

    public Pool2dParams withCountIncludePad(boolean value) {
        return new Pool2dParams(kernelH, kernelW, strideH, strideW, padH, padW, value);
    }
}
