package org.clengine.loss.opencl;

import static org.clengine.device.ClTensor.buffer;
import static org.clengine.loss.LossKernel.*;

import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.loss.LossOps;
import org.clengine.loss.LossPolicy;

/**
 * Softmax + cross-entropy on one OpenCL device through kernels/loss.cl: per-row losses and hits into a scratch
 * buffer (a work-item or a work-group per row, as the policy says), then one work-item sums them in row order.
 * Arguments are checked by {@link LossOps}; labels are not read back (a bad one makes the loss NaN in the kernel).
 * 16-bit logits build the row kernels with act16.clh's -DACT=1|2.
 */
public final class LossOpenCl extends LossOps {
    private final Device device;
    private final LossPolicy policy;

    public LossOpenCl(Device device, LossPolicy policy) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("policy is null");
        this.device = device;
        this.policy = policy;
    }

    public LossPolicy policy() {
        return policy;
    }

    @Override
    protected void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels, int n, int k) {
        String options = "-DHAS_GRAD=" + (dlogits != null ? 1 : 0) + switch (logits.dtype()) {
            case F32 -> "";
            case F16 -> " -DACT=1";
            case BF16 -> " -DACT=2";
        };
        DeviceBuffer rows = device.scratch("loss.rows", 2L * Float.BYTES * n);
        if (policy.rows() == LossPolicy.Rows.GROUP) {
            // exactly one group per row: the local size divides the global size, not launchItems' rounding
            var binding = SOFTMAX_XENT_ROWS_GROUP.binding();
            long l = Math.max(1, Math.min(policy.local(), device.maxLocalSize(device.kernel(binding, options))));
            device.launch(binding, options, new long[] {l * n}, new long[] {l}, rows, buffer(dlogits),
                    buffer(logits), buffer(labels), n, k);
        } else {
            device.launchItems(SOFTMAX_XENT_ROWS.binding(), options, new long[] {n}, Math.min(policy.local(), n),
                    rows, buffer(dlogits), buffer(logits), buffer(labels), n, k);
        }
        device.launch(SOFTMAX_XENT_SUM.binding(), options, new long[] {1}, new long[] {1}, buffer(result), rows, n);
    }
}
