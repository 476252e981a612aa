package org.clengine.opencl;

import java.util.function.UnaryOperator;
import org.clengine.backend.Backend;
import org.clengine.backend.TensorChecks;
import org.clengine.batchnorm.BatchNormArgs;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.conv.Conv2dArgs;
import org.clengine.conv.Conv2dParams;
import org.clengine.conv.Conv2dShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.elementwise.ElementwiseArgs;
import org.clengine.loss.LossArgs;
import org.clengine.pooling.Pool2dParams;
import org.clengine.pooling.Pool2dShape;
import org.clengine.pooling.PoolingArgs;
import org.clengine.sgd.SgdArgs;
import org.clengine.sgd.SgdParams;
import org.clengine.matmul.MatmulArgs;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.tensor.Tensor;

/**
 * Every op on one OpenCL device through kernels/*.cl. Ops are enqueued; reading a tensor waits for them.
 * Thread-safe: each op holds the device's lock while it checks its arguments and enqueues (see {@link Device}).
 */
public final class OpenClBackend implements Backend {
    private final Device device;
    private final boolean ownsDevice;
    private final BatchNormOpenCl batchNorm;
    private final Conv2dOpenCl conv2d;
    private final ElementwiseOpenCl elementwise;
    private final PoolingOpenCl pooling;
    private final LossOpenCl loss;
    private final MatmulOpenCl matmul;

    /** Uses a device opened elsewhere; closing the backend leaves it open. */
    public OpenClBackend(Device device) {
        this(device, false);
    }

    private OpenClBackend(Device device, boolean ownsDevice) {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.batchNorm = new BatchNormOpenCl(device);
        this.matmul = new MatmulOpenCl(device);
        this.conv2d = new Conv2dOpenCl(device, matmul);
        this.elementwise = new ElementwiseOpenCl(device);
        this.pooling = new PoolingOpenCl(device);
        this.loss = new LossOpenCl(device);
    }

    /** Opens the chosen device ({@code -Dclengine.device}, {@code CLENGINE_DEVICE}, or the default ranking). */
    public static OpenClBackend open() {
        return new OpenClBackend(Device.open(), true);
    }

    /** Opens {@code info}'s device; closing the backend closes it. */
    public static OpenClBackend open(org.clengine.device.DeviceInfo info) {
        return new OpenClBackend(Device.open(info), true);
    }

    public Device device() {
        return device;
    }

    @Override
    public String name() {
        return "opencl:" + device.info().name();
    }

    @Override
    public Tensor tensor(float[] data, int... shape) {
        TensorChecks.hostData(data, shape);
        Tensor t = allocate(shape);
        t.copyFrom(data);
        return t;
    }

    @Override
    public Tensor full(float value, int... shape) {
        ClTensor t = allocate(shape);
        device.fill(t.buffer(), value, t.size());
        return t;
    }

    private ClTensor allocate(int... shape) {
        int n = Tensor.elementCount(shape);
        DeviceBuffer buffer = device.allocate((long) n * Float.BYTES);
        return new ClTensor(this, buffer, shape);
    }

    /** copy.cl's copy_float4 for whole float4s; a plain buffer copy for the last size % 4 floats. */
    @Override
    public void copy(Tensor dst, Tensor src) {
        synchronized (device) {
            TensorChecks.require(this, "src", src);
            TensorChecks.require(this, "dst", dst, src.shape());
            DeviceBuffer d = ((ClTensor) dst).buffer();
            DeviceBuffer s = ((ClTensor) src).buffer();
            long n4 = src.size() / 4;
            if (n4 > 0) {
                boolean cpu = device.info().typeName().equals("cpu");
                long span = cpu ? 1024 : 1;
                long local = Math.min(cpu ? 1 : 256, device.info().maxWorkGroupSize());
                long items = BatchNormTuning.roundUp(BatchNormTuning.ceilDiv(n4, span), local);
                device.launch(device.kernel(CopyKernel.FILE, CopyKernel.COPY_FLOAT4.kernelName, ""),
                        CopyKernel.COPY_FLOAT4.kernelName, new long[] {items}, new long[] {local}, d, s, n4, span);
            }
            long tail = src.size() - 4 * n4;
            if (tail > 0) device.copy(d, s, 16 * n4, 4 * tail);
        }
    }

    @Override
    public void finish() {
        device.finish();
    }

    /** The rule batch norm's geometry follows on this device: the stored tuning's, or the default. */
    public BatchNormTuning.Rule batchNormRule() {
        return batchNorm.rule();
    }

    /** For the tuner: every shape's geometry from {@code r} (null: back to the stored or default rule). */
    void useBatchNormRule(BatchNormTuning.Rule r) {
        batchNorm.useRule(r);
    }

    /** Changes batch norm's launch geometry (tests and tuning); the default comes from the device. */
    public void adjustBatchNormTuning(UnaryOperator<BatchNormTuning> adjust) {
        batchNorm.adjustTuning(adjust);
    }

    /** Forces the convolution's path (tests); AUTO chooses per shape. */
    public void conv2dPath(Conv2dPath path) {
        synchronized (device) {
            conv2d.force(path);
        }
    }

    public BatchNormTuning batchNormTuning(BatchNormShape shape) {
        return batchNorm.tuning(shape);
    }

    @Override
    public void batchNormForwardTraining(Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x, Tensor gamma,
            Tensor beta, Tensor residual, BatchNormRunningStats running, BatchNormConfig config) {
        synchronized (device) {
            BatchNormShape s = BatchNormArgs.checkTraining(this, y, saveMean, saveInvstd, x, gamma, beta, residual,
                    running, config);
            batchNorm.forwardTraining(y, saveMean, saveInvstd, x, gamma, beta, residual, running, config, s);
        }
    }

    @Override
    public void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual,
            Tensor runningMean, Tensor runningVar, BatchNormConfig config) {
        synchronized (device) {
            BatchNormShape s = BatchNormArgs.checkInference(this, y, x, gamma, beta, residual, runningMean, runningVar,
                    config);
            batchNorm.forwardInference(y, x, gamma, beta, residual, runningMean, runningVar, config, s);
        }
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual, Tensor dy, Tensor x,
            Tensor y, Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config) {
        synchronized (device) {
            BatchNormShape s = BatchNormArgs.checkBackward(this, dx, dgamma, dbeta, dresidual, dy, x, y, gamma,
                    saveMean, saveInvstd, config);
            batchNorm.backward(dx, dgamma, dbeta, dresidual, dy, x, y, gamma, saveMean, saveInvstd, config, s);
        }
    }

    @Override
    public void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dParams params) {
        synchronized (device) {
            Conv2dShape s = Conv2dArgs.checkForward(this, y, x, w, bias, params);
            conv2d.forward(y, x, w, bias, s);
        }
    }

    @Override
    public void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, Conv2dParams params) {
        synchronized (device) {
            Conv2dShape s = Conv2dArgs.checkBackwardData(this, dx, dy, w, params);
            conv2d.backwardData(dx, dy, w, s);
        }
    }

    @Override
    public void conv2dBackwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dParams params) {
        synchronized (device) {
            Conv2dShape s = Conv2dArgs.checkBackwardWeights(this, dw, dbias, dy, x, params);
            conv2d.backwardWeights(dw, dbias, dy, x, s);
        }
    }

    /**
     * The convolution runs in steps of whole BN chunks of images; after each step the BN partial sums of its output
     * are taken while it is still in cache. Same partials, same merge order: bitwise the unfused result. Shapes on
     * BN's positions path (H·W < 16) or with rows cut across chunks run unfused.
     */
    @Override
    public void conv2dBatchNormForwardTraining(Tensor conv, Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x,
            Tensor w, Tensor bias, Conv2dParams convParams, Tensor gamma, Tensor beta, Tensor residual,
            BatchNormRunningStats running, BatchNormConfig config) {
        synchronized (device) {
            Conv2dShape cs = Conv2dArgs.checkForward(this, conv, x, w, bias, convParams);
            BatchNormShape bs = BatchNormArgs.checkTraining(this, y, saveMean, saveInvstd, conv, gamma, beta,
                    residual, running, config);
            BatchNormOpenCl.Plan p = batchNorm.plan(bs, gamma != null, config);
            if (p.positions() || p.t().chunk() % bs.hw() != 0) {
                conv2d.forward(conv, x, w, bias, cs);
                batchNorm.forwardTraining(y, saveMean, saveInvstd, conv, gamma, beta, residual, running, config, bs);
                return;
            }
            int rows = (int) (p.t().chunk() / bs.hw());
            DeviceBuffer partial = batchNorm.partialScratch(p);
            DeviceBuffer convBuffer = ((ClTensor) conv).buffer();
            for (int n0 = 0; n0 < cs.n(); n0 += rows) {
                int nb = Math.min(rows, cs.n() - n0);
                conv2d.forward(conv, x, w, bias, cs, n0, nb);
                batchNorm.forwardPartials(p, partial, convBuffer, n0 / rows, 1);
            }
            batchNorm.mergeAndApply(p, partial, y, saveMean, saveInvstd, conv, gamma, beta, residual, running, config);
        }
    }

    @Override
    public void fill(Tensor t, float value) {
        synchronized (device) {
            TensorChecks.require(this, "t", t);
            device.fill(((ClTensor) t).buffer(), value, t.size());
        }
    }

    @Override
    public void scale(Tensor y, Tensor x, float alpha) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "x", x, "y", y);
            elementwise.scale(y, x, ElementwiseArgs.finite("alpha", alpha));
        }
    }

    @Override
    public void add(Tensor y, Tensor a, Tensor b) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "a", a, "b", b, "y", y);
            elementwise.add(y, a, b);
        }
    }

    @Override
    public void addBackward(Tensor da, Tensor db, Tensor dy) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "dy", dy);
            if (da != null) TensorChecks.require(this, "da", da, dy.shape());
            if (db != null) TensorChecks.require(this, "db", db, dy.shape());
            elementwise.addBackward(da, db, dy);
        }
    }

    @Override
    public void reluForward(Tensor y, Tensor x) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "x", x, "y", y);
            elementwise.reluForward(y, x);
        }
    }

    @Override
    public void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "dy", dy, "y", y, "dx", dx);
            elementwise.reluBackward(dx, dy, y);
        }
    }

    @Override
    public void sigmoidForward(Tensor y, Tensor x) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "x", x, "y", y);
            elementwise.sigmoidForward(y, x);
        }
    }

    @Override
    public void sigmoidBackward(Tensor dx, Tensor dy, Tensor y) {
        synchronized (device) {
            ElementwiseArgs.sameShape(this, "dy", dy, "y", y, "dx", dx);
            elementwise.sigmoidBackward(dx, dy, y);
        }
    }

    @Override
    public void maxPool2dForward(Tensor y, Tensor x, Pool2dParams params) {
        synchronized (device) {
            Pool2dShape s = PoolingArgs.checkForward(this, y, x, params);
            pooling.maxForward(y, x, s);
        }
    }

    @Override
    public void maxPool2dBackward(Tensor dx, Tensor dy, Tensor x, Pool2dParams params) {
        synchronized (device) {
            Pool2dShape s = PoolingArgs.checkMaxBackward(this, dx, dy, x, params);
            pooling.maxBackward(dx, dy, x, s);
        }
    }

    @Override
    public void avgPool2dForward(Tensor y, Tensor x, Pool2dParams params) {
        synchronized (device) {
            Pool2dShape s = PoolingArgs.checkForward(this, y, x, params);
            pooling.avgForward(y, x, s);
        }
    }

    @Override
    public void avgPool2dBackward(Tensor dx, Tensor dy, Pool2dParams params) {
        synchronized (device) {
            Pool2dShape s = PoolingArgs.checkAvgBackward(this, dx, dy, params);
            pooling.avgBackward(dx, dy, s);
        }
    }

    @Override
    public void globalAvgPoolForward(Tensor y, Tensor x) {
        synchronized (device) {
            PoolingArgs.checkGlobal(this, "x", x, "y", y);
            pooling.globalAvgForward(y, x);
        }
    }

    @Override
    public void globalAvgPoolBackward(Tensor dx, Tensor dy) {
        synchronized (device) {
            PoolingArgs.checkGlobal(this, "dx", dx, "dy", dy);
            pooling.globalAvgBackward(dx, dy);
        }
    }

    @Override
    public void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels) {
        synchronized (device) {
            int[] nk = LossArgs.checkSoftmaxCrossEntropy(this, result, dlogits, logits, labels);
            loss.softmaxCrossEntropy(result, dlogits, logits, labels, nk[0], nk[1]);
        }
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params) {
        synchronized (device) {
            SgdArgs.check(this, param, momentumBuffer, grad, params);
            elementwise.sgdUpdate(param, momentumBuffer, grad, params);
        }
    }

    @Override
    public void close() {
        if (ownsDevice) device.close();
    }

    /**
     * Changes GEMM's parameters (tests, verify and tune); the base is the stored tuning for this device and driver
     * ({@code ./clengine tune matmul}) or else the default for the device's kind.
     */
    public void adjustMatmulTuning(UnaryOperator<MatmulTuning> adjust) {
        matmul.adjustTuning(adjust);
    }

    public MatmulTuning matmulTuning() {
        return matmul.tuning();
    }

    @Override
    public void matmul(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
            MatmulParams params) {
        synchronized (device) {
            MatmulArgs.check(this, c, a, b, bias, shape, layout, params);
            matmul.run(c, a, b, bias, shape, layout, params);
        }
    }
}
