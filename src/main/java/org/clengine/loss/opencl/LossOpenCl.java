package org.clengine.loss.opencl;

import static org.clengine.elementwise.opencl.ElementwiseOpenCl.buf;
import static org.clengine.loss.opencl.LossKernel.*;

import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.core.Tensor;

/** The device path of kernels/loss.cl: per-row losses into a scratch buffer, then one fixed-order sum. */
final class LossOpenCl {
    private final Device device;

    LossOpenCl(Device device) {
        this.device = device;
    }

    void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels, int n, int k) {
        String options = "-DHAS_GRAD=" + (dlogits != null ? 1 : 0);
        DeviceBuffer rows = device.scratch("loss.rows", 2L * Float.BYTES * n);
        org.jocl.cl_kernel perRow = device.kernel(FILE, SOFTMAX_XENT_ROWS.kernelName, options);
        device.launchItems(perRow, SOFTMAX_XENT_ROWS.kernelName, new long[] {n}, Math.min(64, n), rows, buf(dlogits),
                buf(logits), buf(labels), n, k);
        device.launch(device.kernel(FILE, SOFTMAX_XENT_SUM.kernelName, options), SOFTMAX_XENT_SUM.kernelName,
                new long[] {1}, new long[] {1}, buf(result), rows, n);
    }
}
