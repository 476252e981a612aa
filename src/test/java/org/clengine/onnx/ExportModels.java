package org.clengine.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.nn.Activation;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.Conv2d;
import org.clengine.nn.Flatten;
import org.clengine.nn.Init;
import org.clengine.nn.Linear;
import org.clengine.nn.Module;
import org.clengine.nn.Pool;
import org.clengine.nn.ResidualBlock;
import org.clengine.nn.Sequential;
import org.clengine.pooling.Pool2dParams;
import org.clengine.train.Models;

/**
 * The models the ONNX export tests run, each for one sample shape: the train command's CNN (batch norm before,
 * after and without), the ResNet (with and without), the MLP, and one model holding every exported op. Their
 * weights come from the seeded Init and their batch-norm statistics and affine terms are drawn afresh, so that
 * running statistics of 0 and 1 (where a dropped mean or variance changes nothing) are never what is checked.
 */
final class ExportModels {
    private ExportModels() {
    }

    /** A model builder and the sample shape it takes. */
    record Spec(Function<Backend, Module> build, int... sample) {
    }

    static Map<String, Spec> all() {
        Map<String, Spec> m = new LinkedHashMap<>();
        for (Models.Norm norm : Models.Norm.values()) {
            m.put("cnn-" + norm, new Spec(b -> Models.build(Models.Kind.CNN, b, 1, 12, 12, 10, norm, 3), 1, 12, 12));
        }
        m.put("resnet", new Spec(b -> Models.build(Models.Kind.RESNET, b, 3, 9, 9, 10, Models.Norm.BEFORE_RELU, 4),
                3, 9, 9));
        m.put("resnet-NONE", new Spec(b -> Models.build(Models.Kind.RESNET, b, 1, 8, 8, 7, Models.Norm.NONE, 5),
                1, 8, 8));
        m.put("mlp", new Spec(b -> Models.build(Models.Kind.MLP, b, 1, 7, 5, 10, Models.Norm.BEFORE_RELU, 6), 1, 7, 5));
        m.put("every-op", new Spec(ExportModels::everyOp, 3, 11, 11));
        return m;
    }

    /** Conv (with and without bias), both norms, ReLU, sigmoid, both poolings with padding, a residual block. */
    static Module everyOp(Backend b) {
        Init init = new Init(7);
        return new Sequential(b, new Conv2d(b, 3, 8, 3, 1, 1, true, init), BatchNorm.batchNorm2d(b, 8),
                Activation.relu(b), Pool.max(b, Pool2dParams.of(3, 2, 1)), new Conv2d(b, 8, 8, 3, 1, 1, false, init),
                Activation.sigmoid(b), Pool.avg(b, Pool2dParams.of(3, 1, 1).withCountIncludePad(false)),
                new ResidualBlock(b, 8, 16, 2, true, init), new ResidualBlock(b, 16, 16, 1, false, init),
                Pool.avg(b, Pool2dParams.of(2)), new Flatten(b), new Linear(b, 16, 12, true, init),
                BatchNorm.batchNorm1d(b, 12), Activation.relu(b), new Linear(b, 12, 5, false, init),
                Activation.sigmoid(b));
    }

    /** Draws every batch norm's weight, bias, running mean and variance from {@code seed}; marks them tracked. */
    static <M extends Module> M randomizeNorms(M model, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, Tensor> e : model.buffers().entrySet()) {
            boolean var = e.getKey().endsWith("running_var");
            e.getValue().copyFrom(values(r, e.getValue().size(), var ? 0.5 : -0.5, var ? 2.0 : 0.5));
        }
        model.parameters().forEach((name, p) -> {
            String prefix = name.substring(0, name.lastIndexOf('.') + 1);
            if (model.buffers().containsKey(prefix + "running_mean")) {
                boolean gamma = name.endsWith("weight");
                p.value().copyFrom(values(r, p.value().size(), gamma ? 0.5 : -0.3, gamma ? 1.5 : 0.3));
            }
        });
        model.counters().keySet().forEach(k -> model.setCounter(k, 1));
        return model;
    }

    static float[] values(Random r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    /** The model's evaluation-mode output on {@code x} [batch, sample...], on the host. */
    static float[] evalOutput(Module model, float[] x, int[] shape) {
        model.eval();
        try (Tensor in = model.backend().tensor(x, shape)) {
            return model.forward(in).toArray();
        }
    }

    static int[] batchShape(int batch, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = batch;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }
}
