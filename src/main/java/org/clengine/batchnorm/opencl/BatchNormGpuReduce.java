package org.clengine.batchnorm.opencl;

import static org.clengine.core.TensorChecks.ceilDiv;

import java.util.Arrays;
import org.clengine.batchnorm.BatchNormGpuKernel;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;

/**
 * The GPU family's partial sums (kernels/batchnorm_gpu.cl): one work-group of the policy's local size per chunk of a
 * channel (row path) or per {@link BatchNormGpuKernel#GROUP_POSITIONS} positions and row chunk (positions path). The
 * kernels read the channel or position block from the group id and accept any local size, so a size the device
 * cuts only adds groups that return at once; the bits never depend on it.
 */
final class BatchNormGpuReduce {
    private BatchNormGpuReduce() {
    }

    /** Forward row path, chunks [j0, j0 + count): what {@link BatchNormOpenCl#forwardPartials} launches. */
    static void forward(Device device, BatchNormOpenCl.Plan p, DeviceBuffer partial, DeviceBuffer x, int j0,
            int count) {
        BatchNormShape s = p.s();
        int local = p.t().localReduce();
        device.launchItems(BatchNormGpuKernel.FWD_PARTIAL.binding(), p.options(),
                new long[] {(long) s.c() * local, count}, local, partial, x, s.c(), s.hw(), s.perChannel(),
                p.t().chunk(), p.chunks(), j0);
    }

    /**
     * Every chunk's partials: {@code buffers} are the CPU partial kernel's leading arguments (partial, x for the
     * forward; partial, dy, x, y, mean, offset for the backward), which the GPU kernels share.
     */
    static void launch(Device device, BatchNormOpenCl.Plan p, boolean forward, Object... buffers) {
        BatchNormShape s = p.s();
        if (!p.positions()) {
            if (forward) {
                forward(device, p, (DeviceBuffer) buffers[0], (DeviceBuffer) buffers[1], 0, p.chunks());
                return;
            }
            int local = p.t().localReduce();
            device.launchItems(BatchNormGpuKernel.BWD_PARTIAL.binding(), p.options(),
                    new long[] {(long) s.c() * local, p.chunks()}, local,
                    with(buffers, s.c(), s.hw(), s.perChannel(), p.t().chunk(), p.chunks()));
            return;
        }
        int positions = s.c() * s.hw();
        int local = p.t().localPositions();
        BatchNormGpuKernel k = forward ? BatchNormGpuKernel.FWD_PARTIAL_POS : BatchNormGpuKernel.BWD_PARTIAL_POS;
        device.launchItems(k.binding(), p.options(),
                new long[] {ceilDiv(positions, BatchNormGpuKernel.GROUP_POSITIONS) * local, p.chunks()}, local,
                with(buffers, positions, s.hw(), s.n(), p.t().rows(), p.chunks()));
    }

    private static Object[] with(Object[] head, Object... tail) {
        Object[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
