package org.clengine.conv2d;

import java.util.Map;
import java.util.regex.Pattern;
import org.clengine.core.Descriptors;
import org.clengine.core.ShapeMath;
import org.clengine.core.Tensor;

/**
 * A 2-D convolution problem: input N×C×H×W, weights K×(C/groups)×R×S, output N×K×P×Q (NCHW, fp32), with its
 * parameters. The canonical descriptor follows benchdnn: {@code g2mb32ic64ih56iw56oc64kh3kw3sh2sw2ph1pw1dh1dw1},
 * where dh/dw are dilation − 1 and parts at their defaults (g1, sh1, sw1, ph0, pw0, dh0, dw0; sw = sh, pw = ph,
 * dw = dh, kw = kh, iw = ih when omitted) may be left out. Asymmetric padding adds {@code pb} (bottom) and
 * {@code pr} (right) after ph/pw.
 */
public record Conv2dShape(int n, int c, int h, int w, int k, int r, int s, Conv2dParams params) {
    private static final Pattern PART = Pattern.compile("(mb|ic|ih|iw|oc|kh|kw|sh|sw|ph|pw|pb|pr|dh|dw|g)(\\d+)");

    /**
     * Every size the kernels and the GEMM layouts compute in int is computed here exactly and refused when it does
     * not fit: the tensors' element counts, the padded input and the dilated filter (at most 2^30, see
     * {@link ShapeMath#MAX_EXTENT}), and one image's im2col matrix C·R·S × P·Q.
     */
    public Conv2dShape {
        if (params == null) throw new IllegalArgumentException("params is null");
        Tensor.elementCount(n, c, h, w);
        Tensor.elementCount(k, r, s);
        int g = params.groups();
        if (c % g != 0 || k % g != 0) {
            throw new IllegalArgumentException("groups " + g + " must divide the input channels " + c
                    + " and the output channels " + k);
        }
        int ph = ShapeMath.extent("padded input height H + pad top + pad bottom", h, params.padTop(),
                params.padBottom());
        int pw = ShapeMath.extent("padded input width W + pad left + pad right", w, params.padLeft(),
                params.padRight());
        int kh = ShapeMath.extent("dilated filter height dilation·(R−1) + 1", (long) params.dilationH() * (r - 1), 1);
        int kw = ShapeMath.extent("dilated filter width dilation·(S−1) + 1", (long) params.dilationW() * (s - 1), 1);
        if (kh > ph || kw > pw) {
            throw new IllegalArgumentException("kernel size " + r + "×" + s + " (dilated " + kh + "×" + kw
                    + ") is larger than the padded input " + ph + "×" + pw);
        }
        int p = (ph - kh) / params.strideH() + 1, q = (pw - kw) / params.strideW() + 1;
        Tensor.elementCount(n, k, p, q);
        ShapeMath.elements("one image's im2col matrix C·R·S·P·Q", c, r, s, p, q);
    }

    /** From the input's and the weights' dimensions: x [N,C,H,W], w [K,C/groups,R,S]. */
    public static Conv2dShape of(int[] x, int[] w, Conv2dParams params) {
        if (x.length != 4) throw new IllegalArgumentException("conv2d input must be [N,C,H,W], got "
                + java.util.Arrays.toString(x));
        if (w.length != 4) throw new IllegalArgumentException("conv2d weights must be [K,C/groups,R,S], got "
                + java.util.Arrays.toString(w));
        if (params == null) throw new IllegalArgumentException("params is null");
        if (x[1] % params.groups() != 0 || w[0] % params.groups() != 0) {
            throw new IllegalArgumentException("groups " + params.groups() + " must divide the input channels "
                    + x[1] + " and the output channels " + w[0]);
        }
        if ((long) w[1] * params.groups() != x[1]) {
            throw new IllegalArgumentException("weights " + java.util.Arrays.toString(w) + " have " + w[1]
                    + " input channels per group; input " + java.util.Arrays.toString(x) + " with groups "
                    + params.groups() + " needs " + x[1] / params.groups());
        }
        return new Conv2dShape(x[0], x[1], x[2], x[3], w[0], w[2], w[3], params);
    }

    public static Conv2dShape parse(String descriptor) {
        Map<String, Integer> v = Descriptors.parts(descriptor, PART, new String[] {"mb", "ic", "ih", "oc", "kh"},
                () -> bad(descriptor));
        int ih = v.get("ih"), kh = v.get("kh"), sh = v.getOrDefault("sh", 1), ph = v.getOrDefault("ph", 0);
        int dh = v.getOrDefault("dh", 0), pw = v.getOrDefault("pw", ph);
        Conv2dParams p = new Conv2dParams(sh, v.getOrDefault("sw", sh), ph, v.getOrDefault("pb", ph), pw,
                v.getOrDefault("pr", pw), dilation(dh), dilation(v.getOrDefault("dw", dh)), v.getOrDefault("g", 1),
                false);
        return new Conv2dShape(v.get("mb"), v.get("ic"), ih, v.getOrDefault("iw", ih), v.get("oc"), kh,
                v.getOrDefault("kw", kh), p);
    }


    /** The dilation of a descriptor's dh/dw (dilation − 1), refused past the limit before adding 1 could wrap. */
    private static int dilation(int minusOne) {
        return ShapeMath.extent("dilation", (long) minusOne + 1);
    }

    private static IllegalArgumentException bad(String d) {
        return new IllegalArgumentException("'" + d + "' is not a conv2d descriptor such as "
                + "mb32ic64ih56iw56oc64kh3kw3ph1 or g64mb1ic64ih28oc64kh3ph1");
    }

    public int groups() {
        return params.groups();
    }

    /** Output height: floor((H + pads − dilation·(R−1) − 1) / stride) + 1. */
    public int p() {
        return (h + params.padTop() + params.padBottom() - params.dilationH() * (r - 1) - 1) / params.strideH() + 1;
    }

    public int q() {
        return (w + params.padLeft() + params.padRight() - params.dilationW() * (s - 1) - 1) / params.strideW() + 1;
    }

    public int[] xDims() {
        return new int[] {n, c, h, w};
    }

    public int[] wDims() {
        return new int[] {k, c / groups(), r, s};
    }

    public int[] yDims() {
        return new int[] {n, k, p(), q()};
    }

    /** Multiply-adds count twice: 2·N·K·P·Q·(C/groups)·R·S, the same for each of the three ops. */
    public double flops() {
        return 2.0 * n * k * p() * q() * (c / groups()) * r * s;
    }

    /**
     * The convolution whose forward on dy is this one's backward-data, or null when there is none: with stride 1,
     * dx = conv(dy, flipped and transposed w) with padding dilation·(R−1) − pad on each side (which must not be
     * negative), the same dilation and groups.
     */
    public Conv2dShape backwardDataAsForward() {
        if (params.strideH() != 1 || params.strideW() != 1) return null;
        int eh = params.dilationH() * (r - 1), ew = params.dilationW() * (s - 1); // < 2^30: checked above
        int top = eh - params.padTop(), bottom = eh - params.padBottom();
        int left = ew - params.padLeft(), right = ew - params.padRight();
        if (top < 0 || bottom < 0 || left < 0 || right < 0) return null;
        return orNull(() -> new Conv2dShape(n, k, p(), q(), c, r, s, new Conv2dParams(1, 1, top, bottom, left,
                right, params.dilationH(), params.dilationW(), params.groups(), false)));
    }

    /**
     * A derived shape (backward-data as a forward, a phase of it), or null when it is past the limits this one
     * met (its own col matrix, K·R·S·H·W, may not fit): the device then takes a path that needs no such shape.
     */
    public static Conv2dShape orNull(java.util.function.Supplier<Conv2dShape> derived) {
        try {
            return derived.get();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public String descriptor() {
        Conv2dParams pr = params;
        StringBuilder b = new StringBuilder();
        if (pr.groups() != 1) b.append("g").append(pr.groups());
        b.append("mb").append(n).append("ic").append(c).append("ih").append(h);
        if (w != h) b.append("iw").append(w);
        b.append("oc").append(k).append("kh").append(r);
        if (s != r) b.append("kw").append(s);
        if (pr.strideH() != 1 || pr.strideW() != 1) b.append("sh").append(pr.strideH());
        if (pr.strideW() != pr.strideH()) b.append("sw").append(pr.strideW());
        if (pr.padTop() != 0 || pr.padLeft() != 0 || pr.padBottom() != 0 || pr.padRight() != 0) {
            b.append("ph").append(pr.padTop());
        }
        if (pr.padLeft() != pr.padTop()) b.append("pw").append(pr.padLeft());
        if (pr.padBottom() != pr.padTop()) b.append("pb").append(pr.padBottom());
        if (pr.padRight() != pr.padLeft()) b.append("pr").append(pr.padRight());
        if (pr.dilationH() != 1 || pr.dilationW() != 1) b.append("dh").append(pr.dilationH() - 1);
        if (pr.dilationW() != pr.dilationH()) b.append("dw").append(pr.dilationW() - 1);
        return b.toString();
    }

    @Override
    public String toString() {
        return descriptor();
    }
}
