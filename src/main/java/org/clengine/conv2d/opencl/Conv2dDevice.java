package org.clengine.conv2d.opencl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clengine.conv2d.Conv2dBlocked;
import org.clengine.conv2d.Conv2dKernel;
import org.clengine.conv2d.Conv2dPath;
import org.clengine.conv2d.Conv2dPolicy;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.DType;
import org.clengine.core.ShapeMath;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulTypes;

/**
 * What every convolution path shares: the device and the policy, the choice of path for a shape, how images are cut
 * into chunks, and the launch itself.
 */
final class Conv2dDevice {
    final Device device;
    final Conv2dPolicy policy;
    /** The storage of x, w, y, dy, dx and col (conv2d.cl's X_DT); dw, dbias and bias are F32. */
    final DType dtype;

    Conv2dDevice(Device device, Conv2dPolicy policy, DType dtype) {
        this.device = device;
        this.policy = policy;
        this.dtype = dtype;
    }

    /** The GEMMs' dtypes: inputs of this dtype, C of {@code out}. */
    MatmulTypes types(DType out) {
        return new MatmulTypes(dtype, out);
    }

    /** GEMM when each group's GEMM has some size on both sides (or forced); depthwise-like shapes stay off it. */
    boolean gemm(Conv2dShape s) {
        if (policy.path() != Conv2dPath.AUTO && policy.path() != Conv2dPath.BLOCKED) {
            return policy.path() == Conv2dPath.GEMM;
        }
        return s.k() / s.groups() >= policy.gemmMinKPerGroup()
                && (long) s.c() / s.groups() * s.r() * s.s() >= policy.gemmMinCrsPerGroup();
    }

    /**
     * The 16-wide row kernels (conv2d_*_depthwise) for what GEMM does not take (or every shape, forced), when the
     * taps fit them: few enough, and 16 outputs' inputs along a row within the kernels' segment.
     */
    boolean rows(Conv2dShape s) {
        if (policy.path() == Conv2dPath.DIRECT || gemm(s)) return false;
        if (dtype != DType.F32) {
            // conv2d_depthwise.cl is fp32 only: AUTO (and BLOCKED where its kernel does not apply) sends 16-bit thin
            // shapes to the direct kernels instead
            if (policy.path() != Conv2dPath.DEPTHWISE) return false;
            throw new IllegalArgumentException("conv2d path DEPTHWISE (the row kernels) takes F32 only, not "
                    + dtype + "; 16-bit convolutions run on the AUTO, GEMM, DIRECT or BLOCKED paths");
        }
        return s.r() * s.s() <= policy.rowMaxTaps()
                && 15L * s.params().strideW() + (long) (s.s() - 1) * s.params().dilationW() + 1
                        <= policy.rowSegment();
    }

    /**
     * The channel-blocked direct kernel (conv2d_blocked.cl) for a forward of {@code s}: forced (BLOCKED) wherever it
     * applies; under AUTO where the policy takes it, for a shape that would otherwise go to GEMM, has a filter of
     * more than one tap (pointwise layers read x in place on GEMM) and fills at least one block of channels. Every
     * dtype: 16-bit x and w are widened as they are loaded, y rounded once at the store.
     */
    boolean blocked(Conv2dShape s) {
        if (!Conv2dBlocked.applies(s)) return false;
        if (policy.path() == Conv2dPath.BLOCKED) return true;
        return policy.path() == Conv2dPath.AUTO && policy.blocked().forward() && gemm(s) && s.r() * s.s() > 1
                && s.k() >= policy.blocked().channels();
    }

    /** 1×1, stride 1, no padding: the input already is the col matrix. */
    static boolean pointwise(Conv2dShape s) {
        var p = s.params();
        return s.r() == 1 && s.s() == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padTop() == 0
                && p.padBottom() == 0 && p.padLeft() == 0 && p.padRight() == 0;
    }

    static long colFloats(Conv2dShape s, int images) {
        return (long) images * s.c() * s.r() * s.s() * s.p() * s.q();
    }

    /**
     * {n0, nb} pieces of images n0 … n0+nb−1 whose col matrix fits the policy's colFloats (at least one image each);
     * one piece for pointwise convolutions, which make no col matrix.
     */
    List<int[]> chunks(Conv2dShape s, int n0, int nb) {
        return chunks(n0, nb, pointwise(s) ? nb : colImages(s));
    }

    /** Images whose col matrix fits the policy's colFloats, at least one. */
    int colImages(Conv2dShape s) {
        // the GEMM layouts address a chunk's col matrix by int: never more than a tensor may hold
        return fit(Math.min(policy.colFloats(), ShapeMath.MAX_ELEMENTS), colFloats(s, 1));
    }

    /** How many images of {@code perImage} floats fit {@code cap} floats, at least one. */
    static int fit(long cap, long perImage) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, cap / Math.max(1, perImage)));
    }

    /** {n0, nb} pieces of images n0 … n0+nb−1, {@code per} images each (the last fewer). */
    static List<int[]> chunks(int n0, int nb, int per) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < nb; i += per) out.add(new int[] {n0 + i, Math.min(per, nb - i)});
        return out;
    }

    DeviceBuffer scratch(String key, long floats) {
        return device.scratch(key, floats * Float.BYTES);
    }

    /** The forward kernels' build options: bias and fused ReLU. */
    static String forwardOptions(boolean bias, Conv2dShape s) {
        return "-DHAS_BIAS=" + (bias ? 1 : 0) + " -DRELU=" + (s.params().relu() ? 1 : 0);
    }

    /** The row kernels' build options: the filter size compiled in, and the private segment's length. */
    String taps(Conv2dShape s) {
        return "-DKR=" + s.r() + " -DKS=" + s.s() + " -DSEG=" + policy.rowSegment();
    }

    /** The dot kernel's build options: its tile of dw. */
    String dotOptions() {
        return "-DTM=" + policy.dotTileM() + " -DTN=" + policy.dotTileN();
    }

    /** The tensors, then the sizes and parameters every direct kernel takes (CONV_DIMS in conv2d.cl). */
    static Object[] dims(Object... head) {
        Conv2dShape s = (Conv2dShape) head[head.length - 1];
        var p = s.params();
        Object[] tail = {s.n(), s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.p(), s.q(), p.strideH(), p.strideW(),
            p.padTop(), p.padLeft(), p.dilationH(), p.dilationW(), p.groups()};
        Object[] all = Arrays.copyOf(head, head.length - 1 + tail.length);
        System.arraycopy(tail, 0, all, head.length - 1, tail.length);
        return all;
    }

    /** Local size up to the policy's in dimension 0 (Device.launchItems); the kernels guard the excess. */
    void launch(Conv2dKernel k, String options, long[] items, Object... args) {
        String all = dtype == DType.F32 ? options : (options + " -DX_DT=" + MatmulTypes.code(dtype)).trim();
        device.launchItems(k.binding(), all, items, Math.min(policy.localSize(), items[0]), args);
    }
}
