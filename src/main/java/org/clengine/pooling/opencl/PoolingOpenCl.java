package org.clengine.pooling.opencl;

import static org.clengine.elementwise.opencl.ElementwiseOpenCl.buf;
import static org.clengine.pooling.opencl.PoolingKernel.*;

import org.clengine.device.Device;
import org.clengine.pooling.Pool2dShape;
import org.clengine.core.Tensor;

/** The device path of kernels/pooling.cl: one work-item per output (forward) or input (backward) element. */
final class PoolingOpenCl {
    private final Device device;

    PoolingOpenCl(Device device) {
        this.device = device;
    }

    void maxForward(Tensor y, Tensor x, Pool2dShape s) {
        launch(MAX_FWD, "", s.p(), s, buf(y), buf(x));
    }

    /**
     * Windows that do not overlap take the scatter kernel (one argmax per window, ~10x fewer than one per input
     * element), after a zero fill when they leave input elements uncovered; overlapping ones the gather kernel.
     */
    void maxBackward(Tensor dx, Tensor dy, Tensor x, Pool2dShape s) {
        var p = s.params();
        if (p.strideH() >= p.kernelH() && p.strideW() >= p.kernelW()) {
            boolean tiles = p.strideH() == p.kernelH() && p.strideW() == p.kernelW() && p.padH() == 0
                    && p.padW() == 0 && s.p() * p.kernelH() == s.h() && s.q() * p.kernelW() == s.w();
            if (!tiles) device.fill(buf(dx), 0f, dx.size());
            launch(MAX_BWD_DISJOINT, "", s.p(), s, buf(dx), buf(dy), buf(x));
        } else {
            launch(MAX_BWD, "", (long) s.h() * s.w(), s, buf(dx), buf(dy), buf(x));
        }
    }

    void avgForward(Tensor y, Tensor x, Pool2dShape s) {
        launch(AVG_FWD, countPad(s), (long) s.p() * s.q(), s, buf(y), buf(x));
    }

    void avgBackward(Tensor dx, Tensor dy, Pool2dShape s) {
        launch(AVG_BWD, countPad(s), (long) s.h() * s.w(), s, buf(dx), buf(dy));
    }

    /** x [N,C,H,W] → y [N,C]: one work-item per plane. */
    void globalAvgForward(Tensor y, Tensor x) {
        int planes = x.dim(0) * x.dim(1), hw = x.dim(2) * x.dim(3);
        launch(GLOBAL_AVG_FWD, "", new long[] {planes}, buf(y), buf(x), hw, planes);
    }

    void globalAvgBackward(Tensor dx, Tensor dy) {
        int planes = dx.dim(0) * dx.dim(1), hw = dx.dim(2) * dx.dim(3);
        launch(GLOBAL_AVG_BWD, "", new long[] {hw, planes}, buf(dx), buf(dy), hw, planes);
    }

    private static String countPad(Pool2dShape s) {
        return "-DCOUNT_PAD=" + (s.params().countIncludePad() ? 1 : 0);
    }

    /** (items, planes) work-items, then the buffers and POOL_DIMS. */
    private void launch(PoolingKernel k, String options, long items, Pool2dShape s, Object... buffers) {
        var p = s.params();
        int planes = s.n() * s.c();
        Object[] dims = {s.h(), s.w(), s.p(), s.q(), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(),
            p.padW(), planes};
        Object[] args = java.util.Arrays.copyOf(buffers, buffers.length + dims.length);
        System.arraycopy(dims, 0, args, buffers.length, dims.length);
        launch(k, options, new long[] {items, planes}, args);
    }

    /** Local size up to 64 in dimension 0 (Device.launchItems); the kernels guard the excess. */
    private void launch(PoolingKernel k, String options, long[] items, Object... args) {
        device.launchItems(device.kernel(FILE, k.kernelName, options), k.kernelName, items, Math.min(64, items[0]),
                args);
    }
}
