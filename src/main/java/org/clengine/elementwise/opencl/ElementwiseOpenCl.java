package org.clengine.elementwise.opencl;

import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.device.ClTensor;
import org.clengine.sgd.opencl.SgdKernel;
import static org.clengine.elementwise.opencl.ElementwiseKernel.*;

import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.core.Tensor;

/**
 * The device path of kernels/elementwise.cl and kernels/sgd.cl: one work-item per span of elements. Arguments are
 * checked by the caller.
 */
final class ElementwiseOpenCl {
    private final Device device;
    private final long span;
    private final long local;

    /** Spans of 4096 floats and local size 1 on CPUs (as copy.cl), one float per item in groups of 256 on GPUs. */
    ElementwiseOpenCl(Device device) {
        this.device = device;
        boolean cpu = device.info().typeName().equals("cpu");
        this.span = cpu ? 4096 : 1;
        this.local = Math.min(cpu ? 1 : 256, device.info().maxWorkGroupSize());
    }

    void scale(Tensor y, Tensor x, float alpha) {
        launch(SCALE, y.size(), buf(y), buf(x), alpha);
    }

    void add(Tensor y, Tensor a, Tensor b) {
        launch(ADD, y.size(), buf(y), buf(a), buf(b));
    }

    void addBackward(Tensor da, Tensor db, Tensor dy) {
        if (da == null && db == null) return;
        launch(ADD_BWD, dy.size(), buf(da), buf(db), buf(dy), da != null ? 1 : 0, db != null ? 1 : 0);
    }

    void reluForward(Tensor y, Tensor x) {
        launch(RELU_FWD, y.size(), buf(y), buf(x));
    }

    void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        launch(RELU_BWD, dx.size(), buf(dx), buf(dy), buf(y));
    }

    void sigmoidForward(Tensor y, Tensor x) {
        launch(SIGMOID_FWD, y.size(), buf(y), buf(x));
    }

    void sigmoidBackward(Tensor dx, Tensor dy, Tensor y) {
        launch(SIGMOID_BWD, dx.size(), buf(dx), buf(dy), buf(y));
    }

    void sgdUpdate(Tensor param, Tensor momentumBuffer, Tensor grad, org.clengine.sgd.SgdParams p) {
        String name = SgdKernel.UPDATE.kernelName;
        org.jocl.cl_kernel k = device.kernel(SgdKernel.FILE, name, "-DMOMENTUM=" + (p.hasMomentum() ? 1 : 0));
        long n = param.size();
        device.launch(k, name, global(n), new long[] {local}, buf(param), buf(momentumBuffer), buf(grad), p.lr(),
                p.momentum(), p.weightDecay(), n, span);
    }

    private void launch(ElementwiseKernel k, long n, Object... buffers) {
        Object[] args = java.util.Arrays.copyOf(buffers, buffers.length + 2);
        args[buffers.length] = n;
        args[buffers.length + 1] = span;
        device.launch(device.kernel(FILE, k.kernelName, ""), k.kernelName, global(n), new long[] {local}, args);
    }

    private long[] global(long n) {
        return new long[] {BatchNormTuning.roundUp(BatchNormTuning.ceilDiv(n, span), local)};
    }

    static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
