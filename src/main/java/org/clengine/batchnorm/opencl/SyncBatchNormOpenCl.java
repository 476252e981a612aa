package org.clengine.batchnorm.opencl;

import static org.clengine.batchnorm.BatchNormKernel.*;
import static org.clengine.device.ClTensor.buffer;

import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;

/**
 * Synchronized batch norm's device half: the same partial kernels as the single-device path (either family, row or
 * positions path; never the single-launch kernels, whose merge is on the device), read back and added in chunk
 * order in double on the host, and the same apply kernels with the merged statistics. The pivot is the channel's
 * first value, as in the kernels: mean = p + ΣS1/M and M2 = ΣS2 − (ΣS1)²/M, with S1, S2 sums of x − p.
 */
final class SyncBatchNormOpenCl {
    private final BatchNormOpenCl ops;
    private final Device device;

    SyncBatchNormOpenCl(BatchNormOpenCl ops, Device device) {
        this.ops = ops;
        this.device = device;
    }

    double[] moments(BatchNormTraining call, BatchNormShape s) {
        BatchNormOpenCl.Plan p = ops.plan(s, call.gamma() != null, call.config());
        DeviceBuffer partial = ops.partialScratch(p);
        if (p.positions()) {
            ops.reduce(p, FWD_PARTIAL, FWD_PARTIAL_POS, partial, buffer(call.x()));
        } else {
            ops.forwardPartials(p, partial, buffer(call.x()), 0, p.chunks());
        }
        double[][] sums = sums(partial, p);
        float[] firstRow = new float[s.c() * s.hw()];
        device.read(buffer(call.x()), firstRow);
        double count = s.perChannel();
        double[] out = new double[3 * s.c()];
        for (int c = 0; c < s.c(); c++) {
            double s1 = sums[0][c];
            double m2 = sums[1][c] - s1 * (s1 / count);
            out[3 * c] = count;
            out[3 * c + 1] = firstRow[c * s.hw()] + s1 / count;
            out[3 * c + 2] = m2 < 0 ? 0 : m2; // rounding only; keeps NaN
        }
        return out;
    }

    void apply(BatchNormTraining call, BatchNormShape s) {
        BatchNormOpenCl.Plan p = ops.plan(s, call.gamma() != null, call.config());
        ops.apply(p, FWD_APPLY, FWD_APPLY_POS, buffer(call.y()), buffer(call.x()), buffer(call.residual()),
                buffer(call.saved().mean()), buffer(call.saved().offset()), buffer(call.saved().invstd()),
                buffer(call.gamma()), buffer(call.beta()));
    }

    double[] gradientSums(BatchNormBackward call, BatchNormShape s) {
        BatchNormOpenCl.Plan p = ops.plan(s, call.gamma() != null, call.config());
        DeviceBuffer partial = ops.partialScratch(p);
        DeviceBuffer mask = call.config().fusion().hasRelu() ? buffer(call.y()) : null;
        ops.reduce(p, BWD_PARTIAL, BWD_PARTIAL_POS, partial, buffer(call.dy()), buffer(call.x()), mask,
                buffer(call.saved().mean()), buffer(call.saved().offset()));
        double[][] sums = sums(partial, p);
        double[] out = new double[2 * s.c()];
        for (int c = 0; c < s.c(); c++) {
            out[2 * c] = sums[0][c];
            out[2 * c + 1] = sums[1][c];
        }
        return out;
    }

    void gradientApply(BatchNormBackward call, BatchNormShape s, float[] coef) {
        BatchNormOpenCl.Plan p = ops.plan(s, call.gamma() != null, call.config());
        DeviceBuffer coefs = device.scratch("batchnorm.coef", (long) Float.BYTES * coef.length);
        device.write(coefs, coef);
        DeviceBuffer mask = call.config().fusion().hasRelu() ? buffer(call.y()) : null;
        ops.apply(p, BWD_APPLY, BWD_APPLY_POS, buffer(call.dx()), buffer(call.dresidual()), buffer(call.dy()),
                buffer(call.x()), mask, buffer(call.saved().mean()), buffer(call.saved().offset()), coefs);
    }

    /** Each channel's two partial sums added in chunk order, in double: {S1 per channel, S2 per channel}. */
    private double[][] sums(DeviceBuffer partial, BatchNormOpenCl.Plan p) {
        int channels = p.s().c();
        int chunks = p.mergeChunks();
        float[] host = new float[2 * channels * chunks];
        device.read(partial, host);
        double[][] out = new double[2][channels];
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < chunks; j++) {
                out[0][c] += host[2 * (c * chunks + j)];
                out[1][c] += host[2 * (c * chunks + j) + 1];
            }
        }
        return out;
    }
}
