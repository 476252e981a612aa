package org.clengine.opencl;

import java.util.function.UnaryOperator;
import org.clengine.backend.Backend;
import org.clengine.backend.TensorChecks;
import org.clengine.batchnorm.BatchNormArgs;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulArgs;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.tensor.Tensor;

/** Every op on one OpenCL device through kernels/*.cl. Ops are enqueued; reading a tensor waits for them. */
public final class OpenClBackend implements Backend {
    private final Device device;
    private final boolean ownsDevice;
    private final BatchNormOpenCl batchNorm;
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
    }

    /** Opens the chosen device ({@code -Dclengine.device}, {@code CLENGINE_DEVICE}, or the default ranking). */
    public static OpenClBackend open() {
        return new OpenClBackend(Device.open(), true);
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

    @Override
    public void finish() {
        device.finish();
    }

    /** Changes batch norm's launch geometry (tests and tuning); the default comes from the device. */
    public void adjustBatchNormTuning(UnaryOperator<BatchNormTuning> adjust) {
        batchNorm.adjustTuning(adjust);
    }

    public BatchNormTuning batchNormTuning(BatchNormShape shape) {
        return batchNorm.tuning(shape);
    }

    @Override
    public void batchNormForwardTraining(Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x, Tensor gamma,
            Tensor beta, Tensor residual, BatchNormRunningStats running, BatchNormConfig config) {
        BatchNormShape s = BatchNormArgs.checkTraining(this, y, saveMean, saveInvstd, x, gamma, beta, residual,
                running, config);
        batchNorm.forwardTraining(y, saveMean, saveInvstd, x, gamma, beta, residual, running, config, s);
    }

    @Override
    public void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual,
            Tensor runningMean, Tensor runningVar, BatchNormConfig config) {
        BatchNormShape s = BatchNormArgs.checkInference(this, y, x, gamma, beta, residual, runningMean, runningVar,
                config);
        batchNorm.forwardInference(y, x, gamma, beta, residual, runningMean, runningVar, config, s);
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual, Tensor dy, Tensor x,
            Tensor y, Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config) {
        BatchNormShape s = BatchNormArgs.checkBackward(this, dx, dgamma, dbeta, dresidual, dy, x, y, gamma,
                saveMean, saveInvstd, config);
        batchNorm.backward(dx, dgamma, dbeta, dresidual, dy, x, y, gamma, saveMean, saveInvstd, config, s);
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
        MatmulArgs.check(this, c, a, b, bias, shape, layout, params);
        matmul.run(c, a, b, bias, shape, layout, params);
    }
}
