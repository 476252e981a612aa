package org.clengine.opencl;

import static org.clengine.opencl.BatchNormTuning.roundUp;
import static org.clengine.opencl.Conv2dKernel.*;

import org.clengine.conv.Conv2dShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.tensor.Tensor;

/** The device path of convolution: direct kernels for now. Arguments are checked by the caller. */
final class Conv2dOpenCl {
    private final Device device;

    Conv2dOpenCl(Device device) {
        this.device = device;
    }

    void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape s) {
        forward(y, x, w, bias, s, 0, s.n());
    }

    /** Images n0 … n0+nb−1 only. */
    void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape s, int n0, int nb) {
        String options = "-DHAS_BIAS=" + (bias != null ? 1 : 0) + " -DRELU=" + (s.params().relu() ? 1 : 0);
        launch(FWD_DIRECT, options, new long[] {(long) s.p() * s.q(), s.k(), nb}, dims(buf(y), buf(x), buf(w),
                buf(bias), n0, s));
    }

    void backwardData(Tensor dx, Tensor dy, Tensor w, Conv2dShape s) {
        launch(BWD_DATA_DIRECT, "", new long[] {(long) s.h() * s.w(), s.c(), s.n()}, dims(buf(dx), buf(dy), buf(w),
                s));
    }

    void backwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dShape s) {
        launch(BWD_WEIGHTS_DIRECT, "", new long[] {(long) s.r() * s.s(), s.c() / s.groups(), s.k()},
                dims(buf(dw), buf(dy), buf(x), s));
        if (dbias != null) {
            launch(BWD_BIAS, "", new long[] {s.k()}, new Object[] {buf(dbias), buf(dy), s.n(), s.k(), s.p() * s.q()});
        }
    }

    /** The tensors, then the sizes and parameters every direct kernel takes (CONV_DIMS in conv2d.cl). */
    private static Object[] dims(Object... head) {
        Conv2dShape s = (Conv2dShape) head[head.length - 1];
        var p = s.params();
        Object[] tail = {s.n(), s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.p(), s.q(), p.strideH(), p.strideW(),
            p.padTop(), p.padLeft(), p.dilationH(), p.dilationW(), p.groups()};
        Object[] all = java.util.Arrays.copyOf(head, head.length - 1 + tail.length);
        System.arraycopy(tail, 0, all, head.length - 1, tail.length);
        return all;
    }

    /** Local size up to 64 in dimension 0, cut to the kernel's limit; the kernels guard the excess. */
    private void launch(Conv2dKernel k, String options, long[] items, Object[] args) {
        org.jocl.cl_kernel kernel = device.kernel(FILE, k.kernelName, options);
        long l0 = Math.max(1, Math.min(Math.min(64, items[0]), device.maxLocalSize(kernel)));
        long[] global = items.clone();
        global[0] = roundUp(items[0], l0);
        long[] local = new long[items.length];
        java.util.Arrays.fill(local, 1);
        local[0] = l0;
        device.launch(kernel, k.kernelName, global, local, args);
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
