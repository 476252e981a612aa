package org.clengine.batchnorm.opencl;

import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.device.ClTensor;
import static org.clengine.batchnorm.opencl.BatchNormKernel.*;
import static org.clengine.batchnorm.BatchNormTuning.ceilDiv;
import static org.clengine.batchnorm.BatchNormTuning.roundUp;

import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.core.Tensor;

/**
 * The device path of batch normalization: picks the build options, the path (rows, or positions for small H·W)
 * and the geometry, then enqueues. Arguments are checked by the caller.
 */
final class BatchNormOpenCl {
    private final Device device;
    private UnaryOperator<BatchNormTuning> adjust = UnaryOperator.identity();
    private BatchNormTuning.Rule rule;

    BatchNormOpenCl(Device device) {
        this.device = device;
    }

    void adjustTuning(UnaryOperator<BatchNormTuning> adjust) {
        this.adjust = adjust;
    }

    /** The stored rule for this device and driver if there is one, else the default; then the adjustment. */
    BatchNormTuning tuning(BatchNormShape s) {
        return adjust.apply(rule().forShape(s));
    }

    BatchNormTuning.Rule rule() {
        if (rule == null) {
            rule = BatchNormTuningStore.load(device.programs().directory(), device.info())
                    .orElse(BatchNormTuning.Rule.defaults(device.info()));
        }
        return rule;
    }

    /** Replaces the rule (the tuner's candidates); null goes back to the stored or default one. */
    void useRule(BatchNormTuning.Rule r) {
        rule = r;
    }

    /** One call's geometry: which path, how many partials per position or channel, and what merge adds up. */
    record Plan(BatchNormShape s, BatchNormTuning t, String options, boolean positions, int chunks) {
        /** The positions path in one launch: N×C input whose rows are one chunk. */
        boolean single() {
            return positions && chunks == 1 && s.hw() == 1 && t.single();
        }

        Plan(BatchNormShape s, BatchNormTuning t, String options) {
            this(s, t, options, t.positions(s), (int) (t.positions(s) ? ceilDiv(s.n(), t.rows())
                    : ceilDiv(s.perChannel(), t.chunk())));
        }

        /** Partials per channel, as the merge kernels add them. */
        int mergeChunks() {
            return positions ? s.hw() * chunks : chunks;
        }

        long partialBytes() {
            return 2L * Float.BYTES * s.c() * mergeChunks();
        }
    }

    void forwardTraining(Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x, Tensor gamma, Tensor beta,
            Tensor residual, BatchNormRunningStats running, BatchNormConfig config, BatchNormShape s) {
        Plan p = plan(s, gamma != null, config);
        DeviceBuffer partial = partialScratch(p);
        if (p.single()) {
            double[] w = running == null ? new double[] {1, 0} : config.runningWeights(running.track());
            single(p, FWD_TRAIN_SINGLE, buf(y), buf(saveMean), buf(saveInvstd),
                    running == null ? null : buf(running.mean()), running == null ? null : buf(running.var()), partial,
                    buf(x), buf(residual), buf(gamma), buf(beta), s.c(), s.n(), (float) s.perChannel(),
                    (float) config.eps(), (float) w[0], (float) w[1], varScale(s, config));
            return;
        }
        if (p.positions()) {
            reduce(p, FWD_PARTIAL, FWD_PARTIAL_POS, partial, buf(x));
        } else {
            forwardPartials(p, partial, buf(x), 0, p.chunks());
        }
        mergeAndApply(p, partial, y, saveMean, saveInvstd, x, gamma, beta, residual, running, config);
    }

    /** The plan for a forward-training call: a convolution that fuses the statistics needs it too. */
    Plan plan(BatchNormShape s, boolean affine, BatchNormConfig config) {
        BatchNormTuning t = tuning(s);
        return new Plan(s, t, options(affine, config.fusion(), t));
    }

    /** Row path only: partial sums of chunks [j0, j0 + count) of every channel into the plan's scratch. */
    DeviceBuffer forwardPartials(Plan p, DeviceBuffer partial, DeviceBuffer x, int j0, int count) {
        BatchNormShape s = p.s();
        launch(p, FWD_PARTIAL, new long[] {s.c(), count}, p.t().localReduce(),
                new Object[] {partial, x, s.c(), s.hw(), s.perChannel(), p.t().chunk(), p.chunks(), j0});
        return partial;
    }

    DeviceBuffer partialScratch(Plan p) {
        return device.scratch("batchnorm.partial", p.partialBytes());
    }

    /** Merges the partials (running stats updated) and normalizes: the forward's second half. */
    void mergeAndApply(Plan p, DeviceBuffer partial, Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x,
            Tensor gamma, Tensor beta, Tensor residual, BatchNormRunningStats running, BatchNormConfig config) {
        BatchNormShape s = p.s();
        double[] w = running == null ? new double[] {1, 0} : config.runningWeights(running.track());
        long count = s.perChannel();
        perChannel(p, FWD_MERGE, buf(saveMean), buf(saveInvstd), running == null ? null : buf(running.mean()),
                running == null ? null : buf(running.var()), partial, buf(x), s.c(), s.hw(), p.mergeChunks(),
                (float) count, (float) config.eps(), (float) w[0], (float) w[1], varScale(s, config));
        apply(p, FWD_APPLY, FWD_APPLY_POS, buf(y), buf(x), buf(residual), buf(saveMean), buf(saveInvstd), buf(gamma),
                buf(beta));
    }

    /** running_var's factor on the batch variance: M/(M−1) (unbiased, PyTorch's) or 1. */
    private static float varScale(BatchNormShape s, BatchNormConfig config) {
        long count = s.perChannel();
        return config.unbiasedRunningVar() ? (float) ((double) count / (count - 1)) : 1f;
    }

    void forwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual, Tensor runningMean,
            Tensor runningVar, BatchNormConfig config, BatchNormShape s) {
        Plan p = plan(s, gamma != null, config);
        DeviceBuffer mean = device.scratch("batchnorm.mean", (long) Float.BYTES * s.c());
        DeviceBuffer invstd = device.scratch("batchnorm.invstd", (long) Float.BYTES * s.c());
        if (p.single()) {
            single(p, INFER_SINGLE, buf(y), mean, invstd, buf(runningMean), buf(runningVar), buf(x), buf(residual),
                    buf(gamma), buf(beta), s.c(), s.n(), (float) config.eps());
            return;
        }
        perChannel(p, INFER_STATS, mean, invstd, buf(runningMean), buf(runningVar), s.c(), (float) config.eps());
        apply(p, FWD_APPLY, FWD_APPLY_POS, buf(y), buf(x), buf(residual), mean, invstd, buf(gamma), buf(beta));
    }

    void backward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual, Tensor dy, Tensor x, Tensor y,
            Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config, BatchNormShape s) {
        BatchNormFusion fusion = config.fusion();
        Plan p = plan(s, gamma != null, config);
        DeviceBuffer partial = device.scratch("batchnorm.partial", p.partialBytes());
        DeviceBuffer coef = device.scratch("batchnorm.coef", 3L * Float.BYTES * s.c());
        DeviceBuffer mask = fusion.hasRelu() ? buf(y) : null;
        if (p.single()) {
            single(p, BWD_SINGLE, buf(dx), buf(dresidual), buf(dgamma), buf(dbeta), coef, partial, buf(dy), buf(x),
                    mask, buf(saveMean), buf(saveInvstd), buf(gamma), s.c(), s.n(), (float) s.perChannel());
            return;
        }
        reduce(p, BWD_PARTIAL, BWD_PARTIAL_POS, partial, buf(dy), buf(x), mask, buf(saveMean));
        perChannel(p, BWD_MERGE, buf(dgamma), buf(dbeta), coef, partial, buf(saveInvstd), buf(gamma), s.c(),
                p.mergeChunks(), (float) s.perChannel());
        apply(p, BWD_APPLY, BWD_APPLY_POS, buf(dx), buf(dresidual), buf(dy), buf(x), mask, buf(saveMean), coef);
    }

    static String options(boolean affine, BatchNormFusion fusion, BatchNormTuning t) {
        return "-DAFFINE=" + (affine ? 1 : 0) + " -DFUSE=" + fusion.define + " -DPOS_BLOCKS=" + t.posBlocks();
    }

    /** Partial sums: (C, chunks) work-items on the row path, (P/16, chunks) on the positions path. */
    private void reduce(Plan p, BatchNormKernel rowKernel, BatchNormKernel posKernel, Object... buffers) {
        BatchNormShape s = p.s();
        if (p.positions()) {
            int positions = s.c() * s.hw();
            launch(p, posKernel, new long[] {ceilDiv(positions, 16), p.chunks()}, p.t().localPositions(),
                    with(buffers, positions, s.hw(), s.n(), p.t().rows(), p.chunks()));
        } else {
            launch(p, rowKernel, new long[] {s.c(), p.chunks()}, p.t().localReduce(),
                    with(buffers, s.c(), s.hw(), s.perChannel(), p.t().chunk(), p.chunks()));
        }
    }

    /**
     * Normalize or dx: one work-item per span on the row path, per 16·posBlocks positions × rows on the positions
     * path.
     */
    private void apply(Plan p, BatchNormKernel rowKernel, BatchNormKernel posKernel, Object... buffers) {
        BatchNormShape s = p.s();
        if (p.positions()) {
            int positions = s.c() * s.hw();
            launch(p, posKernel, new long[] {ceilDiv(positions, 16L * p.t().posBlocks()), p.chunks()},
                    p.t().localPositions(), with(buffers, positions, s.hw(), s.n(), p.t().rows()));
        } else {
            launch(p, rowKernel, new long[] {ceilDiv(s.elements(), p.t().span())}, p.t().localApply(),
                    with(buffers, s.c(), s.hw(), s.elements(), p.t().span()));
        }
    }

    /** The single-launch kernels: one work-item per 16·posBlocks channels. */
    private void single(Plan p, BatchNormKernel k, Object... args) {
        launch(p, k, new long[] {ceilDiv(p.s().c(), 16L * p.t().posBlocks())}, p.t().localPositions(), args);
    }

    /** One work-item per channel. */
    private void perChannel(Plan p, BatchNormKernel k, Object... args) {
        launch(p, k, new long[] {p.s().c()}, p.t().localReduce(), args);
    }

    /** Launches {@code items} work-items with local size {@code local} in dimension 0 (Device.launchItems). */
    private void launch(Plan p, BatchNormKernel k, long[] items, long local, Object[] args) {
        device.launchItems(device.kernel(FILE, k.kernelName, p.options()), k.kernelName, items, local, args);
    }

    private static Object[] with(Object[] head, Object... tail) {
        Object[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
