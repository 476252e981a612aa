package org.clengine.opencl;

import static org.clengine.opencl.BatchNormKernel.*;
import static org.clengine.opencl.BatchNormTuning.ceilDiv;
import static org.clengine.opencl.BatchNormTuning.roundUp;

import java.util.function.UnaryOperator;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.tensor.Tensor;

/** The device path of batch normalization: picks the build options and geometry, then enqueues. Arguments are checked by the caller. */
final class BatchNormOpenCl {
    private final Device device;
    private UnaryOperator<BatchNormTuning> adjust = UnaryOperator.identity();

    BatchNormOpenCl(Device device) {
        this.device = device;
    }

    void adjustTuning(UnaryOperator<BatchNormTuning> adjust) {
        this.adjust = adjust;
    }

    BatchNormTuning tuning(BatchNormShape s) {
        return adjust.apply(BatchNormTuning.forDevice(device.info(), s));
    }

    void forwardTraining(Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x, Tensor gamma, Tensor beta,
            Tensor residual, BatchNormRunningStats running, BatchNormConfig config, BatchNormShape s) {
        String options = options(gamma != null, config.fusion());
        BatchNormTuning t = tuning(s);
        long count = s.perChannel();
        int chunks = (int) ceilDiv(count, t.chunk());
        DeviceBuffer partial = device.scratch("batchnorm.partial", 2L * Float.BYTES * s.c() * chunks);
        reduce(FWD_PARTIAL, options, s, chunks, t, partial, buf(x), s.c(), s.hw(), count, t.chunk(), chunks);
        double[] w = running == null ? new double[] {1, 0} : config.runningWeights(running.track());
        float varScale = config.unbiasedRunningVar() ? (float) ((double) count / (count - 1)) : 1f;
        perChannel(FWD_MERGE, options, s, t, buf(saveMean), buf(saveInvstd),
                running == null ? null : buf(running.mean()), running == null ? null : buf(running.var()), partial,
                buf(x), s.c(), s.hw(), chunks, (float) count, (float) config.eps(), (float) w[0], (float) w[1],
                varScale);
        apply(FWD_APPLY, options, s, t, buf(y), buf(x), buf(residual), buf(saveMean), buf(saveInvstd), buf(gamma),
                buf(beta), s.c(), s.hw(), s.elements());
    }

    void forwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual, Tensor runningMean,
            Tensor runningVar, BatchNormConfig config, BatchNormShape s) {
        String options = options(gamma != null, config.fusion());
        BatchNormTuning t = tuning(s);
        DeviceBuffer mean = device.scratch("batchnorm.mean", (long) Float.BYTES * s.c());
        DeviceBuffer invstd = device.scratch("batchnorm.invstd", (long) Float.BYTES * s.c());
        perChannel(INFER_STATS, options, s, t, mean, invstd, buf(runningMean), buf(runningVar), s.c(),
                (float) config.eps());
        apply(FWD_APPLY, options, s, t, buf(y), buf(x), buf(residual), mean, invstd, buf(gamma), buf(beta), s.c(),
                s.hw(), s.elements());
    }

    void backward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual, Tensor dy, Tensor x, Tensor y,
            Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config, BatchNormShape s) {
        BatchNormFusion fusion = config.fusion();
        String options = options(gamma != null, fusion);
        BatchNormTuning t = tuning(s);
        long count = s.perChannel();
        int chunks = (int) ceilDiv(count, t.chunk());
        DeviceBuffer partial = device.scratch("batchnorm.partial", 2L * Float.BYTES * s.c() * chunks);
        DeviceBuffer coef = device.scratch("batchnorm.coef", 3L * Float.BYTES * s.c());
        DeviceBuffer mask = fusion.hasRelu() ? buf(y) : null;
        reduce(BWD_PARTIAL, options, s, chunks, t, partial, buf(dy), buf(x), mask, buf(saveMean), s.c(), s.hw(),
                count, t.chunk(), chunks);
        perChannel(BWD_MERGE, options, s, t, buf(dgamma), buf(dbeta), coef, partial, buf(saveInvstd), buf(gamma),
                s.c(), chunks, (float) count);
        apply(BWD_APPLY, options, s, t, buf(dx), buf(dresidual), buf(dy), buf(x), mask, buf(saveMean), coef, s.c(),
                s.hw(), s.elements());
    }

    static String options(boolean affine, BatchNormFusion fusion) {
        return "-DAFFINE=" + (affine ? 1 : 0) + " -DFUSE=" + fusion.define;
    }

    /** (C, chunks) work-items. */
    private void reduce(BatchNormKernel k, String options, BatchNormShape s, int chunks, BatchNormTuning t,
            Object... args) {
        long local = t.localReduce();
        device.launch(device.kernel(FILE, k.kernelName, options), k.kernelName,
                new long[] {roundUp(s.c(), local), chunks}, new long[] {local, 1}, args);
    }

    /** One work-item per channel. */
    private void perChannel(BatchNormKernel k, String options, BatchNormShape s, BatchNormTuning t, Object... args) {
        long local = t.localReduce();
        device.launch(device.kernel(FILE, k.kernelName, options), k.kernelName,
                new long[] {roundUp(s.c(), local)}, new long[] {local}, args);
    }

    /** One work-item per span of the tensor; the last two kernel arguments are the total and the span. */
    private void apply(BatchNormKernel k, String options, BatchNormShape s, BatchNormTuning t, Object... args) {
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = t.span();
        long items = ceilDiv(s.elements(), t.span());
        long local = t.localApply();
        device.launch(device.kernel(FILE, k.kernelName, options), k.kernelName,
                new long[] {roundUp(items, local)}, new long[] {local}, all);
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
