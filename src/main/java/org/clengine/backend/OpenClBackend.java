package org.clengine.backend;

import org.clengine.batchnorm.BatchNormOps;
import org.clengine.conv2d.Conv2dOps;
import org.clengine.elementwise.ElementwiseOps;
import org.clengine.loss.LossOps;
import org.clengine.matmul.MatmulOps;
import org.clengine.pooling.PoolingOps;
import org.clengine.sgd.SgdOps;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.conv2d.opencl.Conv2dOpenCl;
import org.clengine.core.Memory;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.elementwise.opencl.ElementwiseOpenCl;
import org.clengine.loss.opencl.LossOpenCl;
import org.clengine.matmul.opencl.MatmulOpenCl;
import org.clengine.pooling.opencl.PoolingOpenCl;
import org.clengine.sgd.opencl.SgdOpenCl;

/**
 * Every op on one OpenCL device through kernels/*.cl, with one {@link LaunchPolicy} fixed at creation. Ops are
 * enqueued; reading a tensor waits for them. Thread-safe: each op holds the device's lock while it checks its
 * arguments and enqueues. Several backends (with different policies) may share one device and its tensors.
 */
public final class OpenClBackend implements Backend {
    private final Device device;
    private final boolean ownsDevice;
    private final LaunchPolicy policy;
    private final BatchNormOpenCl batchNorm;
    private final MatmulOpenCl matmul;
    private final Conv2dOpenCl conv2d;
    private final PoolingOpenCl pooling;
    private final ElementwiseOpenCl elementwise;
    private final LossOpenCl loss;
    private final SgdOpenCl sgd;

    /** Uses a device opened elsewhere, with its default policy; closing the backend leaves the device open. */
    public OpenClBackend(Device device) {
        this(device, LaunchPolicy.forDevice(device), false);
    }

    /** Uses a device opened elsewhere with {@code policy}; closing the backend leaves the device open. */
    public OpenClBackend(Device device, LaunchPolicy policy) {
        this(device, policy, false);
    }

    private OpenClBackend(Device device, LaunchPolicy policy, boolean ownsDevice) {
        if (device == null) throw new IllegalArgumentException("device is null");
        if (policy == null) throw new IllegalArgumentException("policy is null");
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.policy = policy;
        this.batchNorm = new BatchNormOpenCl(device, policy.batchNorm());
        this.matmul = new MatmulOpenCl(device, policy.matmul());
        this.conv2d = new Conv2dOpenCl(device, policy.conv2d(), matmul, batchNorm);
        this.pooling = new PoolingOpenCl(device, policy.pooling());
        this.elementwise = new ElementwiseOpenCl(device, policy.elementwise());
        this.loss = new LossOpenCl(device, policy.loss());
        this.sgd = new SgdOpenCl(device, policy.sgd());
    }

    /** Opens the chosen device ({@code -Dclengine.device}, {@code CLENGINE_DEVICE}, or the default ranking). */
    public static OpenClBackend open() {
        Device d = Device.open();
        return new OpenClBackend(d, LaunchPolicy.forDevice(d), true);
    }

    /** Opens {@code info}'s device; closing the backend closes it. */
    public static OpenClBackend open(DeviceInfo info) {
        Device d = Device.open(info);
        return new OpenClBackend(d, LaunchPolicy.forDevice(d), true);
    }

    /** Another backend on the same device (and its tensors) with {@code other} as its policy. */
    public OpenClBackend withPolicy(LaunchPolicy other) {
        return new OpenClBackend(device, other, false);
    }

    public Device device() {
        return device;
    }

    public LaunchPolicy policy() {
        return policy;
    }

    @Override
    public Memory memory() {
        return device;
    }

    @Override
    public BatchNormOps batchNorm() {
        return batchNorm;
    }

    @Override
    public Conv2dOps conv2d() {
        return conv2d;
    }

    @Override
    public MatmulOps matmul() {
        return matmul;
    }

    @Override
    public PoolingOps pooling() {
        return pooling;
    }

    @Override
    public ElementwiseOps elementwise() {
        return elementwise;
    }

    @Override
    public LossOps loss() {
        return loss;
    }

    @Override
    public SgdOps sgd() {
        return sgd;
    }

    @Override
    public void close() {
        if (ownsDevice) device.close();
    }
}
