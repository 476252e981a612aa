package org.clengine.batchnorm.opencl;

import static org.clengine.batchnorm.BatchNormKernel.*;
import static org.clengine.core.TensorChecks.ceilDiv;
import static org.clengine.device.ClTensor.buffer;

import java.util.Arrays;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormKernel;
import org.clengine.batchnorm.BatchNormOps;
import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.batchnorm.BatchNormReduction;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.batchnorm.BatchRenormBackward;
import org.clengine.batchnorm.BatchRenormTraining;
import org.clengine.batchnorm.GhostBatchNormBackward;
import org.clengine.batchnorm.GhostBatchNormTraining;
import org.clengine.core.DType;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;

/**
 * Batch normalization on one OpenCL device through kernels/batchnorm.cl: picks the build options, the path (rows,
 * positions for small H·W, or one launch for N×C input in one chunk) and the geometry from its policy, then
 * enqueues. Arguments were checked by {@link BatchNormOps}. Immutable: another policy is another object
 * ({@link #withPolicy}). The convolution's fused forward drives the forward's halves itself ({@link #plan},
 * {@link #forwardPartials}, {@link #mergeAndApply}).
 */
public final class BatchNormOpenCl extends BatchNormOps {
    private final Device device;
    private final BatchNormPolicy policy;

    public BatchNormOpenCl(Device device, BatchNormPolicy policy) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("policy is null");
        this.device = device;
        this.policy = policy;
    }

    public BatchNormPolicy policy() {
        return policy;
    }

    /** The same device with another policy (tests, the tuner's candidates). */
    public BatchNormOpenCl withPolicy(BatchNormPolicy other) {
        return new BatchNormOpenCl(device, other);
    }

    /**
     * One call's geometry: which path, how many partials per position or channel, and the build options.
     *
     * @param s         the shape
     * @param t         its geometry under the policy
     * @param options   -DAFFINE, -DFUSE, -DPOS_BLOCKS
     * @param positions whether it takes the positions path
     * @param chunks    partials per channel (row path) or per position (positions path)
     * @param reduction the policy's way of taking the partials (the kernel family's)
     */
    public record Plan(BatchNormShape s, BatchNormTuning t, String options, boolean positions, int chunks,
            BatchNormReduction reduction) {
        Plan(BatchNormShape s, BatchNormTuning t, String options, BatchNormReduction reduction) {
            this(s, t, options, t.positions(s), (int) (t.positions(s) ? ceilDiv(s.n(), t.rows())
                    : ceilDiv(s.perChannel(), t.chunk())), reduction);
        }

        /** The GPU family's work-group tree partials (kernels/batchnorm_gpu.cl). */
        boolean groups() {
            return reduction == BatchNormReduction.GROUP_TREE;
        }

        /** Values of one channel per partial on the row path. */
        public long chunk() {
            return t.chunk();
        }

        /** The positions path in one launch: N×C input whose rows are one chunk. */
        public boolean single() {
            return positions && chunks == 1 && s.hw() == 1 && t.single() && !groups();
        }

        /** Partials per channel, as the merge kernels add them. */
        int mergeChunks() {
            return positions ? s.hw() * chunks : chunks;
        }

        long partialBytes() {
            return 2L * Float.BYTES * s.c() * mergeChunks();
        }
    }

    /** The plan of a forward-training call on F32 activations: the convolution that fuses the statistics. */
    public Plan plan(BatchNormShape s, boolean affine, BatchNormConfig config) {
        return plan(s, affine, config, DType.F32);
    }

    /** The plan of a call whose activations (x, y, z, dy, dx, dz) are stored as {@code act}. */
    public Plan plan(BatchNormShape s, boolean affine, BatchNormConfig config, DType act) {
        BatchNormTuning t = policy.forShape(s);
        return new Plan(s, t, options(affine, config.fusion(), t) + actOption(act), policy.reduction());
    }

    static String options(boolean affine, BatchNormFusion fusion, BatchNormTuning t) {
        return "-DAFFINE=" + (affine ? 1 : 0) + " -DFUSE=" + fusion.define + " -DPOS_BLOCKS=" + t.posBlocks();
    }

    /**
     * The activations' storage in the kernels (-DACT of batchnorm.cl): nothing for F32, so that fp32 builds keep
     * their options (and their cached programs) exactly.
     */
    static String actOption(DType act) {
        return switch (act) {
            case F32 -> "";
            case F16 -> " -DACT=1";
            case BF16 -> " -DACT=2";
        };
    }

    /** The device's scratch for a plan's partial sums (reused across calls). */
    public DeviceBuffer partialScratch(Plan p) {
        return device.scratch("batchnorm.partial", p.partialBytes());
    }

    @Override
    protected void forwardTraining(BatchNormTraining call, BatchNormShape s) {
        runForwardTraining(call, s);
    }

    /** The unfused forward training, arguments already checked. */
    public void runForwardTraining(BatchNormTraining call, BatchNormShape s) {
        Plan p = plan(s, call.gamma() != null, call.config(), call.x().dtype());
        if (call.config().frozen()) {
            // the inference kernels, writing the running statistics they use where backward will read them
            normalize(p, buffer(call.y()), buffer(call.x()), buffer(call.residual()), buffer(call.gamma()),
                    buffer(call.beta()), call.running(), (float) call.config().eps(), buffer(call.saved().mean()),
                    buffer(call.saved().invstd()), offset(call, s));
            return;
        }
        DeviceBuffer partial = partialScratch(p);
        if (p.single()) {
            BatchNormRunningStats running = call.running();
            BatchNormRunningStats.Update u = update(call, s);
            launch(p, FWD_TRAIN_SINGLE, singleItems(p), p.t().localPositions(), buffer(call.y()),
                    buffer(call.saved().mean()), buffer(call.saved().invstd()), offset(call, s),
                    running == null ? null : buffer(running.mean()), running == null ? null : buffer(running.var()),
                    running == null ? null : buffer(running.skipped()), partial, buffer(call.x()),
                    buffer(call.residual()), buffer(call.gamma()), buffer(call.beta()), s.c(), s.n(),
                    (float) s.perChannel(), (float) call.config().eps(), (float) u.oldWeight(), (float) u.newWeight(),
                    u.varScale(), u.skip() ? 1 : 0);
            return;
        }
        if (p.positions()) {
            reduce(p, FWD_PARTIAL, FWD_PARTIAL_POS, partial, buffer(call.x()));

        } else {
            forwardPartials(p, partial, buffer(call.x()), 0, p.chunks());
        }
        mergeAndApply(p, partial, call);
    }

    /** Row path only: partial sums of chunks [j0, j0 + count) of every channel of x into {@code partial}. */
    public void forwardPartials(Plan p, DeviceBuffer partial, DeviceBuffer x, int j0, int count) {
        BatchNormShape s = p.s();
        if (p.groups()) {
            BatchNormGpuReduce.forward(device, p, partial, x, j0, count);
            return;
        }
        launch(p, FWD_PARTIAL, new long[] {s.c(), count}, p.t().localReduce(), partial, x, s.c(), s.hw(),
                s.perChannel(), p.t().chunk(), p.chunks(), j0);
    }

    /** The forward's second half: merges the partials (saved and running statistics) and normalizes. */
    public void mergeAndApply(Plan p, DeviceBuffer partial, BatchNormTraining call) {
        BatchNormShape s = p.s();
        BatchNormRunningStats running = call.running();
        BatchNormRunningStats.Update u = update(call, s);
        DeviceBuffer mean = buffer(call.saved().mean());
        DeviceBuffer invstd = buffer(call.saved().invstd());
        DeviceBuffer offset = offset(call, s);
        launch(p, FWD_MERGE, new long[] {s.c()}, p.t().localReduce(), mean, invstd, offset,
                running == null ? null : buffer(running.mean()), running == null ? null : buffer(running.var()),
                running == null ? null : buffer(running.skipped()), partial, buffer(call.x()), s.c(), s.hw(),
                p.mergeChunks(), (float) s.perChannel(), (float) call.config().eps(), (float) u.oldWeight(),
                (float) u.newWeight(), u.varScale(), u.skip() ? 1 : 0);
        apply(p, FWD_APPLY, FWD_APPLY_POS, buffer(call.y()), buffer(call.x()), buffer(call.residual()), mean, offset,
                invstd, buffer(call.gamma()), buffer(call.beta()));
    }

    /** The saved offset, or the device's scratch for it when the call keeps none (the forward is exact anyway). */
    private DeviceBuffer offset(BatchNormTraining call, BatchNormShape s) {
        return call.saved().offset() != null ? buffer(call.saved().offset())
                : device.scratch("batchnorm.offset", (long) Float.BYTES * s.c());
    }

    /** Counts the batch in the running statistics (once per call) and returns its update. */
    private static BatchNormRunningStats.Update update(BatchNormTraining call, BatchNormShape s) {
        BatchNormRunningStats running = call.running();
        return running == null ? BatchNormRunningStats.Update.NONE
                : running.nextUpdate(call.config(), s.perChannel());
    }

    @Override
    protected void forwardInference(BatchNormInference call, BatchNormShape s) {
        Plan p = plan(s, call.gamma() != null, call.config(), call.x().dtype());
        long bytes = (long) Float.BYTES * s.c();
        normalize(p, buffer(call.y()), buffer(call.x()), buffer(call.residual()), buffer(call.gamma()),
                buffer(call.beta()), call.running(), (float) call.config().eps(),
                device.scratch("batchnorm.mean", bytes), device.scratch("batchnorm.invstd", bytes),
                device.scratch("batchnorm.offset", bytes));
    }

    /** Inference's kernels: the running statistics into mean, invstd, offset (0), then the normalization. */
    private void normalize(Plan p, DeviceBuffer y, DeviceBuffer x, DeviceBuffer z, DeviceBuffer gamma,
            DeviceBuffer beta, BatchNormRunningStats running, float eps, DeviceBuffer mean, DeviceBuffer invstd,
            DeviceBuffer offset) {
        BatchNormShape s = p.s();
        DeviceBuffer runMean = buffer(running.mean());
        DeviceBuffer runVar = buffer(running.var());
        if (p.single()) {
            launch(p, INFER_SINGLE, singleItems(p), p.t().localPositions(), y, mean, invstd, offset, runMean, runVar,
                    x, z, gamma, beta, s.c(), s.n(), eps);
            return;
        }
        launch(p, INFER_STATS, new long[] {s.c()}, p.t().localReduce(), mean, invstd, offset, runMean, runVar, s.c(),
                eps);
        apply(p, FWD_APPLY, FWD_APPLY_POS, y, x, z, mean, offset, invstd, gamma, beta);
    }

    @Override
    protected void backward(BatchNormBackward call, BatchNormShape s) {
        Plan p = plan(s, call.gamma() != null, call.config(), call.x().dtype());
        DeviceBuffer partial = partialScratch(p);
        DeviceBuffer coef = device.scratch("batchnorm.coef", 3L * Float.BYTES * s.c());
        // y is read only for a ReLU's mask; otherwise the kernels get NULL whatever the call holds
        DeviceBuffer mask = call.config().fusion().hasRelu() ? buffer(call.y()) : null;
        DeviceBuffer mean = buffer(call.saved().mean());
        DeviceBuffer offset = buffer(call.saved().offset());
        DeviceBuffer invstd = buffer(call.saved().invstd());
        int frozen = call.config().frozen() ? 1 : 0;
        if (p.single()) {
            launch(p, BWD_SINGLE, singleItems(p), p.t().localPositions(), buffer(call.dx()),
                    buffer(call.dresidual()), buffer(call.dgamma()), buffer(call.dbeta()), coef, partial,
                    buffer(call.dy()), buffer(call.x()), mask, mean, offset, invstd, buffer(call.gamma()), s.c(),
                    s.n(), (float) s.perChannel(), frozen);
            return;
        }
        reduce(p, BWD_PARTIAL, BWD_PARTIAL_POS, partial, buffer(call.dy()), buffer(call.x()), mask, mean, offset);
        launch(p, BWD_MERGE, new long[] {s.c()}, p.t().localReduce(), buffer(call.dgamma()), buffer(call.dbeta()),
                coef, partial, invstd, buffer(call.gamma()), s.c(), p.mergeChunks(), (float) s.perChannel(), frozen);
        apply(p, BWD_APPLY, BWD_APPLY_POS, buffer(call.dx()), buffer(call.dresidual()), buffer(call.dy()),
                buffer(call.x()), mask, mean, offset, coef);
    }

    // synchronized batch norm (issue 16): the partial and apply kernels, merged on the host by SyncBatchNorm
    @Override
    protected double[] syncMoments(BatchNormTraining call, BatchNormShape s) {
        return new SyncBatchNormOpenCl(this, device).moments(call, s);
    }

    @Override
    protected void syncApply(BatchNormTraining call, BatchNormShape s) {
        new SyncBatchNormOpenCl(this, device).apply(call, s);
    }

    @Override
    protected double[] syncGradientSums(BatchNormBackward call, BatchNormShape s) {
        return new SyncBatchNormOpenCl(this, device).gradientSums(call, s);
    }

    @Override
    protected void syncGradientApply(BatchNormBackward call, BatchNormShape s, float[] coef) {
        new SyncBatchNormOpenCl(this, device).gradientApply(call, s, coef);
    }

    // ghost batch norm and batch renormalization (issue 14): their device code is BatchNormVariantOpenCl's
    @Override
    protected void forwardTrainingGhost(GhostBatchNormTraining call, BatchNormShape s) {
        new BatchNormVariantOpenCl(device, policy).forwardGhost(call, s);
    }

    @Override
    protected void backwardGhost(GhostBatchNormBackward call, BatchNormShape s) {
        new BatchNormVariantOpenCl(device, policy).backwardGhost(call, s);
    }

    @Override
    protected void forwardTrainingRenorm(BatchRenormTraining call, BatchNormShape s) {
        new BatchNormVariantOpenCl(device, policy).forwardRenorm(call, s);
    }

    @Override
    protected void backwardRenorm(BatchRenormBackward call, BatchNormShape s) {
        new BatchNormVariantOpenCl(device, policy).backwardRenorm(call, s);
    }

    /** Partial sums: (C, chunks) work-items on the row path, (P/16, chunks) on the positions path. */
    void reduce(Plan p, BatchNormKernel rowKernel, BatchNormKernel posKernel, Object... buffers) {
        BatchNormShape s = p.s();
        if (p.groups()) {
            BatchNormGpuReduce.launch(device, p, rowKernel == FWD_PARTIAL, buffers);
        } else if (p.positions()) {
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
    void apply(Plan p, BatchNormKernel rowKernel, BatchNormKernel posKernel, Object... buffers) {
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
    private static long[] singleItems(Plan p) {
        return new long[] {ceilDiv(p.s().c(), 16L * p.t().posBlocks())};
    }

    /** Launches {@code items} work-items with local size {@code local} in dimension 0 (Device.launchItems). */
    private void launch(Plan p, BatchNormKernel k, long[] items, long local, Object... args) {
        device.launchItems(k.binding(), p.options(), items, local, args);
    }

    private static Object[] with(Object[] head, Object... tail) {
        Object[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
