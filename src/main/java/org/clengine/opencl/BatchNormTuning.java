package org.clengine.opencl;

import org.clengine.batchnorm.BatchNormShape;
import org.clengine.device.DeviceInfo;

/**
 * Launch geometry for kernels/batchnorm.cl. {@code chunk} (values per reduction partial) decides the summation order
 * and so the exact bits; spans and local sizes only decide how work is spread and never change a result.
 *
 * @param chunk        values of one channel per partial
 * @param span         values of the tensor per work-item in the apply kernels
 * @param localReduce  local size (dimension 0) of the partial kernels
 * @param localApply   local size of the apply kernels
 */
public record BatchNormTuning(long chunk, long span, int localReduce, int localApply) {

    /** CPUs: long chunks and spans streamed by few work-items; GPUs: many short ones that coalesce. */
    public static BatchNormTuning forDevice(DeviceInfo device, BatchNormShape shape) {
        boolean cpu = device.typeName().equals("cpu");
        long base = cpu ? 16384 : 2048;
        long chunk = Math.max(base, ceilDiv(shape.perChannel(), 4096));
        long span = cpu ? 4096 : 8;
        int local = (int) Math.min(cpu ? 1 : 64, device.maxWorkGroupSize());
        int localApply = (int) Math.min(cpu ? 1 : 256, device.maxWorkGroupSize());
        return new BatchNormTuning(chunk, span, local, localApply);
    }

    public BatchNormTuning withLocalSizes(int reduce, int apply) {
        return new BatchNormTuning(chunk, span, reduce, apply);
    }

    public BatchNormTuning withSpan(long value) {
        return new BatchNormTuning(chunk, value, localReduce, localApply);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static long roundUp(long a, long multiple) {
        return ceilDiv(a, multiple) * multiple;
    }
}
