package org.clengine.reference;

import org.clengine.backend.Backend;
import org.clengine.backend.TensorChecks;
import org.clengine.batchnorm.BatchNormArgs;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.conv.Conv2dArgs;
import org.clengine.conv.Conv2dParams;
import org.clengine.conv.Conv2dShape;
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

/** The oracle: every op as plain Java loops with double accumulation. Needs no OpenCL. */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Tensor tensor(float[] data, int... shape) {
        TensorChecks.hostData(data, shape);
        return new ReferenceTensor(this, data.clone(), shape);
    }

    @Override
    public Tensor full(float value, int... shape) {
        float[] data = new float[Tensor.elementCount(shape)];
        java.util.Arrays.fill(data, value);
        return new ReferenceTensor(this, data, shape);
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        TensorChecks.require(this, "src", src);
        TensorChecks.require(this, "dst", dst, src.shape());
        System.arraycopy(data(src), 0, data(dst), 0, src.size());
    }

    @Override
    public void batchNormForwardTraining(Tensor y, Tensor saveMean, Tensor saveInvstd, Tensor x, Tensor gamma,
            Tensor beta, Tensor residual, BatchNormRunningStats running, BatchNormConfig config) {
        BatchNormShape s = BatchNormArgs.checkTraining(this, y, saveMean, saveInvstd, x, gamma, beta, residual,
                running, config);
        double[] weights = running == null ? null : config.runningWeights(running.track());
        BatchNormReference.forwardTraining(data(y), data(saveMean), data(saveInvstd),
                running == null ? null : data(running.mean()), running == null ? null : data(running.var()),
                data(x), data(gamma), data(beta), data(residual), s, config.eps(), weights,
                config.unbiasedRunningVar(), config.fusion());
    }

    @Override
    public void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor residual,
            Tensor runningMean, Tensor runningVar, BatchNormConfig config) {
        BatchNormShape s = BatchNormArgs.checkInference(this, y, x, gamma, beta, residual, runningMean, runningVar,
                config);
        BatchNormReference.forwardInference(data(y), data(x), data(gamma), data(beta), data(residual),
                data(runningMean), data(runningVar), s, config.eps(), config.fusion());
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dresidual, Tensor dy, Tensor x,
            Tensor y, Tensor gamma, Tensor saveMean, Tensor saveInvstd, BatchNormConfig config) {
        BatchNormShape s = BatchNormArgs.checkBackward(this, dx, dgamma, dbeta, dresidual, dy, x, y, gamma,
                saveMean, saveInvstd, config);
        BatchNormReference.backward(data(dx), data(dgamma), data(dbeta), data(dresidual), data(dy), data(x),
                config.fusion().hasRelu() ? data(y) : null, data(gamma), data(saveMean), data(saveInvstd), s,
                config.fusion());
    }

    @Override
    public void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dParams params) {
        Conv2dShape s = Conv2dArgs.checkForward(this, y, x, w, bias, params);
        Conv2dReference.forward(data(y), data(x), data(w), data(bias), s);
    }

    @Override
    public void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, Conv2dParams params) {
        Conv2dShape s = Conv2dArgs.checkBackwardData(this, dx, dy, w, params);
        Conv2dReference.backwardData(data(dx), data(dy), data(w), s);
    }

    @Override
    public void conv2dBackwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dParams params) {
        Conv2dShape s = Conv2dArgs.checkBackwardWeights(this, dw, dbias, dy, x, params);
        Conv2dReference.backwardWeights(data(dw), data(dbias), data(dy), data(x), s);
    }

    @Override
    public void fill(Tensor t, float value) {
        TensorChecks.require(this, "t", t);
        java.util.Arrays.fill(data(t), value);
    }

    @Override
    public void scale(Tensor y, Tensor x, float alpha) {
        ElementwiseArgs.sameShape(this, "x", x, "y", y);
        ElementwiseArgs.finite("alpha", alpha);
        ElementwiseReference.scale(data(y), data(x), alpha);
    }

    @Override
    public void add(Tensor y, Tensor a, Tensor b) {
        ElementwiseArgs.sameShape(this, "a", a, "b", b, "y", y);
        ElementwiseReference.add(data(y), data(a), data(b));
    }

    @Override
    public void addBackward(Tensor da, Tensor db, Tensor dy) {
        ElementwiseArgs.sameShape(this, "dy", dy);
        if (da != null) TensorChecks.require(this, "da", da, dy.shape());
        if (db != null) TensorChecks.require(this, "db", db, dy.shape());
        if (da != null) copy(da, dy);
        if (db != null) copy(db, dy);
    }

    @Override
    public void reluForward(Tensor y, Tensor x) {
        ElementwiseArgs.sameShape(this, "x", x, "y", y);
        ElementwiseReference.reluForward(data(y), data(x));
    }

    @Override
    public void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        ElementwiseArgs.sameShape(this, "dy", dy, "y", y, "dx", dx);
        ElementwiseReference.reluBackward(data(dx), data(dy), data(y));
    }

    @Override
    public void sigmoidForward(Tensor y, Tensor x) {
        ElementwiseArgs.sameShape(this, "x", x, "y", y);
        ElementwiseReference.sigmoidForward(data(y), data(x));
    }

    @Override
    public void sigmoidBackward(Tensor dx, Tensor dy, Tensor y) {
        ElementwiseArgs.sameShape(this, "dy", dy, "y", y, "dx", dx);
        ElementwiseReference.sigmoidBackward(data(dx), data(dy), data(y));
    }

    @Override
    public void maxPool2dForward(Tensor y, Tensor x, Pool2dParams params) {
        Pool2dShape s = PoolingArgs.checkForward(this, y, x, params);
        PoolingReference.maxForward(data(y), data(x), s);
    }

    @Override
    public void maxPool2dBackward(Tensor dx, Tensor dy, Tensor x, Pool2dParams params) {
        Pool2dShape s = PoolingArgs.checkMaxBackward(this, dx, dy, x, params);
        PoolingReference.maxBackward(data(dx), data(dy), data(x), s);
    }

    @Override
    public void avgPool2dForward(Tensor y, Tensor x, Pool2dParams params) {
        Pool2dShape s = PoolingArgs.checkForward(this, y, x, params);
        PoolingReference.avgForward(data(y), data(x), s);
    }

    @Override
    public void avgPool2dBackward(Tensor dx, Tensor dy, Pool2dParams params) {
        Pool2dShape s = PoolingArgs.checkAvgBackward(this, dx, dy, params);
        PoolingReference.avgBackward(data(dx), data(dy), s);
    }

    @Override
    public void globalAvgPoolForward(Tensor y, Tensor x) {
        PoolingArgs.checkGlobal(this, "x", x, "y", y);
        PoolingReference.globalAvgForward(data(y), data(x), x.dim(2) * x.dim(3));
    }

    @Override
    public void globalAvgPoolBackward(Tensor dx, Tensor dy) {
        PoolingArgs.checkGlobal(this, "dx", dx, "dy", dy);
        PoolingReference.globalAvgBackward(data(dx), data(dy), dx.dim(2) * dx.dim(3));
    }

    @Override
    public void softmaxCrossEntropy(Tensor result, Tensor dlogits, Tensor logits, Tensor labels) {
        int[] nk = LossArgs.checkSoftmaxCrossEntropy(this, result, dlogits, logits, labels);
        LossArgs.checkLabels(data(labels), nk[1]);
        LossReference.softmaxCrossEntropy(data(result), data(dlogits), data(logits), data(labels), nk[0], nk[1]);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params) {
        SgdArgs.check(this, param, momentumBuffer, grad, params);
        SgdReference.update(data(param), data(momentumBuffer), data(grad), params);
    }

    private static float[] data(Tensor t) {
        return t == null ? null : ((ReferenceTensor) t).data();
    }

    @Override
    public void close() {
        // nothing native to release
    }

    @Override
    public void matmul(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
            MatmulParams params) {
        MatmulArgs.check(this, c, a, b, bias, shape, layout, params);
        MatmulReference.gemm(data(c), data(a), data(b), data(bias), shape, layout, params);
    }
}
