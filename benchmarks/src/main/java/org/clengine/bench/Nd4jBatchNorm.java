package org.clengine.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.clengine.batchnorm.BatchNormShape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J peer of {@link BatchNormBench} (plain variant, PyTorch's defaults: affine, momentum 0.1, eps 1e-5), as a
 * JVM user composes it from ND4J's ops (DL4J's BatchNormalization layer does the same): forward-training =
 * {@code moments} (mean, biased variance per channel) + {@code batchnorm} + the running-statistics update
 * (unbiased variance); forward-inference = {@code batchnorm} with the running statistics; backward =
 * {@code batchnorm_bp} with the forward's mean and variance (dx, dgamma, dbeta; dmean, dvar come out too). Arrays
 * NCHW or N×C, channel axis 1, allocated once.
 */
final class Nd4jBatchNorm implements AutoCloseable {
    static final double EPS = 1e-5;
    static final double MOMENTUM = 0.1;

    private final INDArray x, gamma, beta, dy, y, mean, var, runMean, runVar, dx, dmean, dvar, dgamma, dbeta;
    private final DynamicCustomOp forward, inference, backward;
    private final DynamicCustomOp moments;
    private final double unbias;

    static {
        System.setProperty("org.bytedeco.javacpp.platform.extension", Nd4jConv.EXTENSION);
    }

    Nd4jBatchNorm(BatchNormShape s, float[] x, float[] gamma, float[] beta, float[] dy, float[] runMean,
            float[] runVar) {
        long[] dims = java.util.Arrays.stream(s.dims()).asLongStream().toArray();
        int[] axes = s.rank() == 2 ? new int[] {0} : s.rank() == 3 ? new int[] {0, 2} : new int[] {0, 2, 3};
        this.x = Nd4j.create(x, dims, DataType.FLOAT);
        this.dy = Nd4j.create(dy, dims, DataType.FLOAT);
        this.gamma = vector(gamma);
        this.beta = vector(beta);
        this.runMean = vector(runMean);
        this.runVar = vector(runVar);
        y = Nd4j.create(DataType.FLOAT, dims);
        dx = Nd4j.create(DataType.FLOAT, dims);
        mean = Nd4j.create(DataType.FLOAT, s.c());
        var = Nd4j.create(DataType.FLOAT, s.c());
        dmean = Nd4j.create(DataType.FLOAT, s.c());
        dvar = Nd4j.create(DataType.FLOAT, s.c());
        dgamma = Nd4j.create(DataType.FLOAT, s.c());
        dbeta = Nd4j.create(DataType.FLOAT, s.c());
        long count = s.perChannel();
        unbias = count > 1 ? (double) count / (count - 1) : 1;
        // the builder, not new Moments(x, mean, var, axes): that constructor passes the axes twice (0,2,3,0,2,3),
        // which the op rejects in ND4J 1.0.0-M2.1
        moments = DynamicCustomOp.builder("moments").addInputs(this.x).addOutputs(mean, var)
                .addIntegerArguments(axes).build();
        forward = batchnorm("batchnorm", new INDArray[] {this.x, mean, var, this.gamma, this.beta},
                new INDArray[] {y});
        inference = batchnorm("batchnorm", new INDArray[] {this.x, this.runMean, this.runVar, this.gamma, this.beta},
                new INDArray[] {y});
        backward = batchnorm("batchnorm_bp", new INDArray[] {this.x, mean, var, this.gamma, this.beta, this.dy},
                new INDArray[] {dx, dmean, dvar, dgamma, dbeta});
    }

    private static INDArray vector(float[] v) {
        return Nd4j.create(v, new long[] {v.length}, DataType.FLOAT);
    }

    /** iArgs: apply gamma, apply beta, the channel axis; tArgs: eps. */
    private static DynamicCustomOp batchnorm(String name, INDArray[] in, INDArray[] out) {
        return DynamicCustomOp.builder(name).addInputs(in).addOutputs(out).addIntegerArguments(1, 1, 1)
                .addFloatingPointArguments(EPS).build();
    }

    void forwardTraining() {
        Nd4j.exec(moments);
        Nd4j.exec(forward);
        runMean.muli(1 - MOMENTUM).addi(mean.mul(MOMENTUM));
        runVar.muli(1 - MOMENTUM).addi(var.mul(MOMENTUM * unbias));
    }

    void forwardInference() {
        Nd4j.exec(inference);
    }

    /** Backward from the mean and variance the last forwardTraining (or {@link #useStatistics}) left. */
    void backward() {
        Nd4j.exec(backward);
    }

    /** Sets the saved statistics backward uses: mean and 1/sqrt(var + eps) as the verifier gives them. */
    void useStatistics(float[] m, float[] invstd) {
        float[] v = new float[invstd.length];
        for (int c = 0; c < v.length; c++) v[c] = (float) (1.0 / ((double) invstd[c] * invstd[c]) - EPS);
        mean.assign(vector(m));
        var.assign(vector(v));
    }

    /** Outputs by the verifier's names: y, mean, invstd, run_mean, run_var after forward-training; dx, … after bwd. */
    Map<String, float[]> outputs(boolean backwardDone) {
        Map<String, float[]> out = new LinkedHashMap<>();
        if (backwardDone) {
            out.put("dx", dx.dup().data().asFloat());
            out.put("dgamma", dgamma.dup().data().asFloat());
            out.put("dbeta", dbeta.dup().data().asFloat());
            return out;
        }
        out.put("y", y.dup().data().asFloat());
        out.put("mean", mean.dup().data().asFloat());
        float[] v = var.dup().data().asFloat();
        float[] invstd = new float[v.length];
        for (int c = 0; c < v.length; c++) invstd[c] = (float) (1 / Math.sqrt(v[c] + EPS));
        out.put("invstd", invstd);
        out.put("run_mean", runMean.dup().data().asFloat());
        out.put("run_var", runVar.dup().data().asFloat());
        return out;
    }

    @Override
    public void close() {
        for (INDArray a : new INDArray[] {x, dy, gamma, beta, runMean, runVar, y, dx, mean, var, dmean, dvar, dgamma,
            dbeta}) {
            a.close();
        }
    }
}
