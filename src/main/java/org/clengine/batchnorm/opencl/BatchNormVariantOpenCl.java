package org.clengine.batchnorm.opencl;

import static org.clengine.batchnorm.BatchNormVariantKernel.*;
import static org.clengine.core.TensorChecks.ceilDiv;
import static org.clengine.device.ClTensor.buffer;

import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.batchnorm.BatchNormVariantKernel;
import org.clengine.batchnorm.BatchRenorm;
import org.clengine.batchnorm.BatchRenormBackward;
import org.clengine.batchnorm.BatchRenormTraining;
import org.clengine.batchnorm.GhostBatchNormBackward;
import org.clengine.batchnorm.GhostBatchNormTraining;
import org.clengine.core.DType;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;

/**
 * Ghost batch norm and batch renormalization on one OpenCL device through the batchnorm_ghost_* and
 * batchnorm_renorm_* kernels: the row path's reductions with (virtual batch, channel) as the unit, three passes
 * over x each way as plain batch norm's, no copy of the input. Renorm is the ghost kernels with one virtual batch
 * and its own merge, which computes r, d and the apply's gamma·r, gamma·d + beta. Arguments were checked by
 * {@link org.clengine.batchnorm.BatchNormOps}; the geometry (chunk, span, local sizes) is the policy's for one
 * virtual batch's shape.
 */
final class BatchNormVariantOpenCl {
    private final Device device;
    private final BatchNormPolicy policy;

    BatchNormVariantOpenCl(Device device, BatchNormPolicy policy) {
        this.device = device;
        this.policy = policy;
    }

    /** One call's geometry: v samples per unit, units = G·C, partials per unit. */
    private record Geometry(BatchNormShape s, int v, BatchNormTuning t, int chunks, String options) {
        static Geometry of(BatchNormPolicy policy, BatchNormShape s, int v, boolean affine, BatchNormConfig cfg,
                DType act) {
            int[] dims = s.dims().clone();
            dims[0] = v;
            BatchNormTuning t = policy.forShape(BatchNormShape.of(dims));
            int chunks = (int) ceilDiv((long) v * s.hw(), t.chunk());
            return new Geometry(s, v, t, chunks, "-DAFFINE=" + (affine ? 1 : 0) + " -DFUSE=" + cfg.fusion().define
                    + " -DPOS_BLOCKS=1" + BatchNormOpenCl.actOption(act));
        }

        int groups() {
            return s.n() / v;
        }

        int units() {
            return groups() * s.c();
        }

        float count() {
            return (float) ((double) v * s.hw());
        }
    }

    void forwardGhost(GhostBatchNormTraining ghost, BatchNormShape s) {
        BatchNormTraining call = ghost.call();
        Geometry p = Geometry.of(policy, s, ghost.virtualBatch(), call.gamma() != null, call.config(),
                call.x().dtype());
        BatchNormRunningStats running = call.running();
        long tracked = running == null ? 0 : running.batchesTracked();
        BatchNormRunningStats.Update u = BatchNormRunningStats.Update.NONE;
        for (int g = 0; running != null && g < p.groups(); g++) {
            BatchNormRunningStats.Update next = running.nextUpdate(call.config(), (long) p.v() * s.hw());
            if (g == 0) u = next;
        }
        DeviceBuffer partial = partials(p);
        DeviceBuffer x = buffer(call.x());
        DeviceBuffer mean = buffer(call.saved().mean());
        DeviceBuffer invstd = buffer(call.saved().invstd());
        DeviceBuffer offset = buffer(call.saved().offset());
        forwardPartials(p, partial, x);
        launch(p, GHOST_FWD_MERGE, new long[] {s.c()}, p.t().localReduce(), mean, invstd, offset,
                running == null ? null : buffer(running.mean()), running == null ? null : buffer(running.var()),
                running == null ? null : buffer(running.skipped()), partial, x, s.c(), s.hw(), p.v(), p.groups(),
                p.chunks(), p.count(), (float) call.config().eps(), (float) u.oldWeight(), (float) u.newWeight(),
                tracked, call.config().momentum() == null ? 1 : 0, u.varScale(), u.skip() ? 1 : 0);
        applyForward(p, p.options(), call, mean, offset, invstd, buffer(call.gamma()), buffer(call.beta()));
    }

    void forwardRenorm(BatchRenormTraining renorm, BatchNormShape s) {
        BatchNormTraining call = renorm.call();
        Geometry p = Geometry.of(policy, s, s.n(), call.gamma() != null, call.config(),
                call.x().dtype());
        BatchNormRunningStats running = call.running();
        BatchNormRunningStats.Update u = running.nextUpdate(call.config(), s.perChannel());
        DeviceBuffer partial = partials(p);
        DeviceBuffer x = buffer(call.x());
        DeviceBuffer mean = buffer(call.saved().mean());
        DeviceBuffer invstd = buffer(call.saved().invstd());
        DeviceBuffer offset = buffer(call.saved().offset());
        DeviceBuffer scale = device.scratch("batchnorm.renorm.scale", (long) Float.BYTES * s.c());
        DeviceBuffer shift = device.scratch("batchnorm.renorm.shift", (long) Float.BYTES * s.c());
        BatchRenorm lim = renorm.limits();
        forwardPartials(p, partial, x);
        launch(p, RENORM_FWD_MERGE, new long[] {s.c()}, p.t().localReduce(), mean, invstd, offset,
                buffer(renorm.corrections().r()), buffer(renorm.corrections().d()), scale, shift,
                buffer(running.mean()), buffer(running.var()), buffer(running.skipped()), partial, x,
                buffer(call.gamma()), buffer(call.beta()), s.c(), s.hw(), p.chunks(), p.count(),
                (float) call.config().eps(), (float) u.oldWeight(), (float) u.newWeight(), u.varScale(),
                (float) lim.rmax(), (float) lim.dmax(), u.skip() ? 1 : 0);
        // the apply takes gamma·r and gamma·d + beta as its gamma and beta, with or without affine parameters
        applyForward(p, p.options().replace("-DAFFINE=0", "-DAFFINE=1"), call, mean, offset, invstd, scale,
                shift);
    }

    void backwardGhost(GhostBatchNormBackward ghost, BatchNormShape s) {
        BatchNormBackward call = ghost.call();
        backward(Geometry.of(policy, s, ghost.virtualBatch(), call.gamma() != null, call.config(),
                call.x().dtype()), call, null, null);
    }

    void backwardRenorm(BatchRenormBackward renorm, BatchNormShape s) {
        BatchNormBackward call = renorm.call();
        backward(Geometry.of(policy, s, s.n(), call.gamma() != null, call.config(),
                call.x().dtype()), call,
                buffer(renorm.corrections().r()), buffer(renorm.corrections().d()));
    }

    private void backward(Geometry p, BatchNormBackward call, DeviceBuffer r, DeviceBuffer d) {
        BatchNormShape s = p.s();
        DeviceBuffer partial = partials(p);
        DeviceBuffer coef = device.scratch("batchnorm.ghost.coef", 3L * Float.BYTES * p.units());
        DeviceBuffer mask = call.config().fusion().hasRelu() ? buffer(call.y()) : null;
        DeviceBuffer mean = buffer(call.saved().mean());
        DeviceBuffer offset = buffer(call.saved().offset());
        DeviceBuffer x = buffer(call.x());
        DeviceBuffer dy = buffer(call.dy());
        launch(p, GHOST_BWD_PARTIAL, new long[] {p.units(), p.chunks()}, p.t().localReduce(), partial, dy, x, mask,
                mean, offset, s.c(), s.hw(), p.v(), p.units(), p.t().chunk(), p.chunks());
        launch(p, GHOST_BWD_MERGE, new long[] {s.c()}, p.t().localReduce(), buffer(call.dgamma()),
                buffer(call.dbeta()), coef, partial, buffer(call.saved().invstd()), buffer(call.gamma()), r, d,
                s.c(), p.groups(), p.chunks(), p.count());
        launch(p, GHOST_BWD_APPLY, new long[] {ceilDiv(s.elements(), p.t().span())}, p.t().localApply(),
                buffer(call.dx()), buffer(call.dresidual()), dy, x, mask, mean, offset, coef, s.c(), s.hw(), p.v(),
                s.elements(), p.t().span());
    }

    private DeviceBuffer partials(Geometry p) {
        return device.scratch("batchnorm.ghost.partial", 2L * Float.BYTES * p.units() * p.chunks());
    }

    private void forwardPartials(Geometry p, DeviceBuffer partial, DeviceBuffer x) {
        BatchNormShape s = p.s();
        launch(p, GHOST_FWD_PARTIAL, new long[] {p.units(), p.chunks()}, p.t().localReduce(), partial, x, s.c(),
                s.hw(), p.v(), p.units(), p.t().chunk(), p.chunks());
    }

    private void applyForward(Geometry p, String options, BatchNormTraining call, DeviceBuffer mean,
            DeviceBuffer offset, DeviceBuffer invstd, DeviceBuffer gamma, DeviceBuffer beta) {
        BatchNormShape s = p.s();
        device.launchItems(GHOST_FWD_APPLY.binding(), options, new long[] {ceilDiv(s.elements(), p.t().span())},
                p.t().localApply(), buffer(call.y()), buffer(call.x()), buffer(call.residual()), mean, offset, invstd,
                gamma, beta, s.c(), s.hw(), p.v(), s.elements(), p.t().span());
    }

    private void launch(Geometry p, BatchNormVariantKernel k, long[] items, long local, Object... args) {
        device.launchItems(k.binding(), p.options(), items, local, args);
    }
}
