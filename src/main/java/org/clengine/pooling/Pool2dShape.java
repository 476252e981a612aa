package org.clengine.pooling;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import org.clengine.core.Descriptors;
import org.clengine.core.ShapeMath;
import org.clengine.core.Tensor;

/**
 * A 2-D pooling problem: input N×C×H×W, output N×C×P×Q with P = (H + 2·padH − kernelH)/strideH + 1 (floor), Q
 * alike. Canonical descriptor as benchdnn's pooling: {@code mb32ic64ih56iw56kh3kw3sh2sw2ph1pw1}; iw = ih, kw = kh,
 * sh = kh (PyTorch's default stride), sw = sh, ph = 0, pw = ph when omitted.
 */
public record Pool2dShape(int n, int c, int h, int w, Pool2dParams params) {
    private static final Pattern PART = Pattern.compile("(mb|ic|ih|iw|kh|kw|sh|sw|ph|pw)(\\d+)");

    /**
     * The padded input (at most 2^30 each way, {@link ShapeMath#MAX_EXTENT}) and the output are computed exactly;
     * the window's area, the kernels' average divisor, must fit an int.
     */
    public Pool2dShape {
        if (params == null) throw new IllegalArgumentException("params is null");
        Tensor.elementCount(n, c, h, w);
        int ph = ShapeMath.extent("padded input height H + 2·pad", h, 2L * params.padH());
        int pw = ShapeMath.extent("padded input width W + 2·pad", w, 2L * params.padW());
        if (ph < params.kernelH() || pw < params.kernelW()) {
            throw new IllegalArgumentException("pooling window " + params.kernelH() + "×" + params.kernelW()
                    + " is larger than the padded input " + ph + "×" + pw);
        }
        ShapeMath.elements("pooling window area kh·kw", params.kernelH(), params.kernelW());
        Tensor.elementCount(n, c, (ph - params.kernelH()) / params.strideH() + 1,
                (pw - params.kernelW()) / params.strideW() + 1);
    }

    /** From the input's dimensions [N,C,H,W]. */
    public static Pool2dShape of(int[] x, Pool2dParams params) {
        if (x.length != 4) {
            throw new IllegalArgumentException("pooling input must be [N,C,H,W], got " + Arrays.toString(x));
        }
        return new Pool2dShape(x[0], x[1], x[2], x[3], params);
    }

    public static Pool2dShape parse(String descriptor) {
        Map<String, Integer> v = Descriptors.parts(descriptor, PART, new String[] {"mb", "ic", "ih", "kh"},
                () -> bad(descriptor));
        int kh = v.get("kh"), sh = v.getOrDefault("sh", kh), ph = v.getOrDefault("ph", 0);
        Pool2dParams p = new Pool2dParams(kh, v.getOrDefault("kw", kh), sh, v.getOrDefault("sw", sh), ph,
                v.getOrDefault("pw", ph), true);
        return new Pool2dShape(v.get("mb"), v.get("ic"), v.get("ih"), v.getOrDefault("iw", v.get("ih")), p);
    }


    private static IllegalArgumentException bad(String d) {
        return new IllegalArgumentException("'" + d + "' is not a pooling descriptor such as mb32ic64ih56iw56kh2 "
                + "or mb2ic3ih7iw9kh3sh2ph1");
    }

    public int p() {
        return (h + 2 * params.padH() - params.kernelH()) / params.strideH() + 1;
    }

    public int q() {
        return (w + 2 * params.padW() - params.kernelW()) / params.strideW() + 1;
    }

    public int[] xDims() {
        return new int[] {n, c, h, w};
    }

    public int[] yDims() {
        return new int[] {n, c, p(), q()};
    }

    public Pool2dShape withParams(Pool2dParams value) {
        return new Pool2dShape(n, c, h, w, value);
    }

    public String descriptor() {
        Pool2dParams pr = params;
        StringBuilder b = new StringBuilder("mb").append(n).append("ic").append(c).append("ih").append(h);
        if (w != h) b.append("iw").append(w);
        b.append("kh").append(pr.kernelH());
        if (pr.kernelW() != pr.kernelH()) b.append("kw").append(pr.kernelW());
        if (pr.strideH() != pr.kernelH()) b.append("sh").append(pr.strideH());
        if (pr.strideW() != pr.strideH()) b.append("sw").append(pr.strideW());
        if (pr.padH() != 0 || pr.padW() != 0) b.append("ph").append(pr.padH());
        if (pr.padW() != pr.padH()) b.append("pw").append(pr.padW());
        return b.toString();
    }

    @Override
    public String toString() {
        return descriptor();
    }
}
