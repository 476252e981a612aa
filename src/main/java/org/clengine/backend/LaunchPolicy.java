package org.clengine.backend;

import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.batchnorm.opencl.BatchNormTuningStore;
import org.clengine.conv2d.Conv2dPolicy;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;
import org.clengine.elementwise.ElementwisePolicy;
import org.clengine.loss.LossPolicy;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.opencl.MatmulTuningStore;
import org.clengine.pooling.PoolingPolicy;
import org.clengine.sgd.SgdPolicy;

/**
 * Every launch value of one device family in one immutable record: each op family's part holds what its kernels take
 * as {@code -D} options and what its host code decides with (chunk sizes, crossovers, tiles, local sizes). An
 * {@link OpenClBackend} is created with one and never changes it; tests and tuners pass the variant or candidate
 * they want as a policy of their own.
 */
public record LaunchPolicy(KernelFamily family, BatchNormPolicy batchNorm, Conv2dPolicy conv2d, MatmulPolicy matmul,
        PoolingPolicy pooling, ElementwisePolicy elementwise, LossPolicy loss, SgdPolicy sgd) {

    public LaunchPolicy {
        if (family == null || batchNorm == null || conv2d == null || matmul == null || pooling == null
                || elementwise == null || loss == null || sgd == null) {
            throw new IllegalArgumentException("every part of a launch policy is required");
        }
    }

    /** The family's built-in values for this device (its work-group limit cuts the local sizes). */
    public static LaunchPolicy defaults(KernelFamily family, DeviceInfo device) {
        return new LaunchPolicy(family, BatchNormPolicy.defaults(family, device),
                Conv2dPolicy.defaults(family, device), MatmulPolicy.defaults(family, device),
                PoolingPolicy.defaults(family, device), ElementwisePolicy.defaults(family, device),
                LossPolicy.defaults(family, device), SgdPolicy.defaults(family, device));
    }

    /**
     * What a device gets by default: its family ({@link KernelFamily#of}: the device's type, or the forced one),
     * with the tunings {@code ./clengine tune} stored for this device and driver when the family is the device's
     * own (a tuning of the other family's kernels would not apply).
     */
    public static LaunchPolicy forDevice(Device device) {
        DeviceInfo info = device.info();
        KernelFamily family = KernelFamily.of(info);
        LaunchPolicy p = defaults(family, info);
        if (family != KernelFamily.own(info)) return p;
        var dir = device.programs().directory();
        p = MatmulTuningStore.load(dir, info).map(p::withMatmul).orElse(p);
        // a stored tuning holds the knobs; the way of reducing stays the family's
        LaunchPolicy tuned = p;
        return BatchNormTuningStore.load(dir, info)
                .map(b -> tuned.withBatchNorm(b.withReduction(tuned.batchNorm().reduction()))).orElse(p);
    }

    public LaunchPolicy withBatchNorm(BatchNormPolicy value) {
        return new LaunchPolicy(family, value, conv2d, matmul, pooling, elementwise, loss, sgd);
    }

    public LaunchPolicy withConv2d(Conv2dPolicy value) {
        return new LaunchPolicy(family, batchNorm, value, matmul, pooling, elementwise, loss, sgd);
    }

    public LaunchPolicy withMatmul(MatmulPolicy value) {
        return new LaunchPolicy(family, batchNorm, conv2d, value, pooling, elementwise, loss, sgd);
    }

    public LaunchPolicy withPooling(PoolingPolicy value) {
        return new LaunchPolicy(family, batchNorm, conv2d, matmul, value, elementwise, loss, sgd);
    }

    public LaunchPolicy withElementwise(ElementwisePolicy value) {
        return new LaunchPolicy(family, batchNorm, conv2d, matmul, pooling, value, loss, sgd);
    }

    public LaunchPolicy withSgd(SgdPolicy value) {
        return new LaunchPolicy(family, batchNorm, conv2d, matmul, pooling, elementwise, loss, value);
    }

    public LaunchPolicy withLoss(LossPolicy value) {
        return new LaunchPolicy(family, batchNorm, conv2d, matmul, pooling, elementwise, value, sgd);
    }
}
