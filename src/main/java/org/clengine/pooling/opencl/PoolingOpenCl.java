package org.clengine.pooling.opencl;

import static org.clengine.device.ClTensor.buffer;
import static org.clengine.pooling.PoolingKernel.*;

import java.util.Arrays;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.pooling.Pool2dShape;
import org.clengine.pooling.PoolingKernel;
import org.clengine.pooling.PoolingOps;
import org.clengine.pooling.PoolingPolicy;
import org.clengine.pooling.PoolingPolicy.Walk;

/**
 * Pooling on one OpenCL device through kernels/pooling.cl: one work-item per output row or element (forward) or per
 * input element (backward), in work-groups of up to {@link PoolingPolicy#local()}; the policy's {@link Walk} picks
 * the row kernels (CPUs) or the element and work-group kernels (GPUs). On CPUs, max pooling without padding and with
 * small windows takes a kernel with the window compiled in. Arguments are checked by {@link PoolingOps}.
 */
public final class PoolingOpenCl extends PoolingOps {
    private final Device device;
    private final PoolingPolicy policy;

    public PoolingOpenCl(Device device, PoolingPolicy policy) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("policy is null");
        this.device = device;
        this.policy = policy;
    }

    public PoolingPolicy policy() {
        return policy;
    }

    @Override
    protected void maxForward(Tensor y, Tensor x, Pool2dShape s) {
        if (policy.walk() == Walk.ELEMENTS) {
            launch(MAX_FWD_EACH, act(x), (long) s.p() * s.q(), s, buffer(y), buffer(x));
        } else if (fixedWindow(s)) {
            launch(MAX_FWD_FIXED, act(x) + fixedOptions(s), s.p(), s, buffer(y), buffer(x));
        } else {
            launch(MAX_FWD, act(x), s.p(), s, buffer(y), buffer(x));
        }
    }

    /**
     * Windows and strides up to {@value #FIXED_MAX} without padding take the kernels with them compiled in (one
     * program per window and stride; the common 2×2/2 and 3×3/2 are two); others the general row kernels.
     */
    static boolean fixedWindow(Pool2dShape s) {
        var p = s.params();
        return p.padH() == 0 && p.padW() == 0 && p.kernelH() <= FIXED_MAX && p.kernelW() <= FIXED_MAX
                && p.strideH() <= FIXED_MAX && p.strideW() <= FIXED_MAX;
    }

    private static final int FIXED_MAX = 4;

    private static String fixedOptions(Pool2dShape s) {
        var p = s.params();
        return " -DKH=" + p.kernelH() + " -DKW=" + p.kernelW() + " -DSH=" + p.strideH() + " -DSW=" + p.strideW();
    }

    /**
     * Windows that do not overlap take the scatter kernel (one argmax per window, ~10x fewer than one per input
     * element), after a zero fill when they leave input elements uncovered; overlapping ones, and every shape under
     * {@link Walk#ELEMENTS} (a GPU's work-items then write neighbouring dx), the gather kernel.
     */
    @Override
    protected void maxBackward(Tensor dx, Tensor dy, Tensor x, Pool2dShape s) {
        var p = s.params();
        if (policy.walk() == Walk.ROWS && p.strideH() >= p.kernelH() && p.strideW() >= p.kernelW()) {
            boolean tiles = p.strideH() == p.kernelH() && p.strideW() == p.kernelW() && p.padH() == 0
                    && p.padW() == 0 && s.p() * p.kernelH() == s.h() && s.q() * p.kernelW() == s.w();
            if (!tiles) zero(dx);
            if (fixedWindow(s)) {
                launch(MAX_BWD_DISJOINT_FIXED, act(x) + fixedOptions(s), s.p(), s, buffer(dx), buffer(dy), buffer(x));
            } else {
                launch(MAX_BWD_DISJOINT, act(x), s.p(), s, buffer(dx), buffer(dy), buffer(x));
            }
        } else {
            launch(MAX_BWD, act(x), (long) s.h() * s.w(), s, buffer(dx), buffer(dy), buffer(x));
        }
    }

    @Override
    protected void avgForward(Tensor y, Tensor x, Pool2dShape s) {
        launch(AVG_FWD, countPad(s) + act(x), (long) s.p() * s.q(), s, buffer(y), buffer(x));
    }

    @Override
    protected void avgBackward(Tensor dx, Tensor dy, Pool2dShape s) {
        launch(AVG_BWD, countPad(s) + act(dx), (long) s.h() * s.w(), s, buffer(dx), buffer(dy));
    }

    /** x [N,C,H,W] → y [N,C]: one work-item per plane (rows), or one work-group per plane (elements). */
    @Override
    protected void globalAvgForward(Tensor y, Tensor x, int hw) {
        int planes = x.dim(0) * x.dim(1);
        if (policy.walk() == Walk.ROWS) {
            launch(GLOBAL_AVG_FWD, act(x), new long[] {planes}, buffer(y), buffer(x), hw, planes);
            return;
        }
        // exactly one group per plane: the local size is the global size's divisor, not launchItems' rounding
        String options = act(x);
        long l = Math.max(1, Math.min(policy.local(), device.maxLocalSize(device.kernel(GLOBAL_AVG_FWD_GROUP.binding(),
                options))));
        device.launch(GLOBAL_AVG_FWD_GROUP.binding(), options, new long[] {l * planes}, new long[] {l}, buffer(y),
                buffer(x), hw, planes);
    }

    @Override
    protected void globalAvgBackward(Tensor dx, Tensor dy, int hw) {
        int planes = dx.dim(0) * dx.dim(1);
        launch(GLOBAL_AVG_BWD, act(dx), new long[] {hw, planes}, buffer(dx), buffer(dy), hw, planes);
    }

    private static String countPad(Pool2dShape s) {
        return "-DCOUNT_PAD=" + (s.params().countIncludePad() ? 1 : 0);
    }

    /** The build for a call's activation dtype (PoolingArgs made them one): act16.clh's -DACT, none for F32. */
    private static String act(Tensor t) {
        return switch (t.dtype()) {
            case F32 -> "";
            case F16 -> " -DACT=1";
            case BF16 -> " -DACT=2";
        };
    }

    /** dx = 0 in its own dtype (0 has the same bits in all three, but the fill's element size differs). */
    private void zero(Tensor dx) {
        if (dx.dtype() == DType.F32) {
            device.fill(buffer(dx), 0f, dx.size());
        } else {
            device.fill(buffer(dx), (short) 0, dx.size());
        }
    }

    /** (items, planes) work-items, then the buffers and POOL_DIMS. */
    private void launch(PoolingKernel k, String options, long items, Pool2dShape s, Object... buffers) {
        launch(k, options, new long[] {items, s.n() * s.c()}, poolArgs(s, buffers));
    }

    /** The leading arguments, then POOL_DIMS. */
    private static Object[] poolArgs(Pool2dShape s, Object... leading) {
        var p = s.params();
        Object[] dims = {s.h(), s.w(), s.p(), s.q(), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(),
            p.padW(), s.n() * s.c()};
        Object[] args = Arrays.copyOf(leading, leading.length + dims.length);
        System.arraycopy(dims, 0, args, leading.length, dims.length);
        return args;
    }

    /** Local size up to the policy's in dimension 0 (Device.launchItems); the kernels guard the excess. */
    private void launch(PoolingKernel k, String options, long[] items, Object... args) {
        device.launchItems(k.binding(), options, items, Math.min(policy.local(), items[0]), args);
    }
}
