package org.clengine.conv2d;

import static org.clengine.verify.Comparison.abs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;

/**
 * Runs each convolution op on one implementation (a device's {@link Conv2dOps}) and on the reference with the same fresh random inputs, outputs poisoned
 * with NaN, and compares. Each output's error is measured against Σ|terms| (the reference on |x|, |w|, |dy|).
 */
public final class Conv2dVerifier {
    private Conv2dVerifier() {
    }

    public enum Variant {
        FWD, FWD_BIAS_RELU, BWD_DATA, BWD_WEIGHTS;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record Inputs(Conv2dShape s, float[] x, float[] w, float[] bias, float[] dy) {
        static Inputs random(Conv2dShape s, long seed) {
            RandomFill r = new RandomFill(seed);
            return new Inputs(s, r.normal(size(s.xDims())), r.normal(size(s.wDims())), r.normal(s.k()),
                    r.normal(size(s.yDims())));
        }
    }

    public static List<Comparison> run(Conv2dOps device, Conv2dOps reference, Conv2dShape s, Variant v, long seed) {
        Inputs in = Inputs.random(s, seed);
        Map<String, float[]> expected = outputs(reference, in, v);
        Map<String, float[]> got = outputs(device, in, v);
        Map<String, float[]> scales = scales(in, v);
        long length = switch (v) {
            case FWD, FWD_BIAS_RELU -> (long) s.c() / s.groups() * s.r() * s.s();
            case BWD_DATA -> (long) s.k() / s.groups() * s.r() * s.s();
            case BWD_WEIGHTS -> (long) s.n() * s.p() * s.q();
        };
        List<Comparison> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            out.add(Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()), Tolerance.conv2d(length),
                    scales.get(e.getKey())));
        }
        return out;
    }

    static Map<String, float[]> outputs(Conv2dOps b, Inputs in, Variant v) {
        Conv2dShape s = in.s();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(b.memory())) {
            switch (v) {
                case FWD, FWD_BIAS_RELU -> {
                    Tensor y = scope.full(Float.NaN, s.yDims());
                    boolean fused = v == Variant.FWD_BIAS_RELU;
                    b.forward(y, scope.tensor(in.x(), s.xDims()), scope.tensor(in.w(), s.wDims()),
                            fused ? scope.tensor(in.bias(), s.k()) : null, s.params().withRelu(fused));
                    out.put("y", y.toArray());
                }
                case BWD_DATA -> {
                    Tensor dx = scope.full(Float.NaN, s.xDims());
                    b.backwardData(dx, scope.tensor(in.dy(), s.yDims()), scope.tensor(in.w(), s.wDims()),
                            s.params());
                    out.put("dx", dx.toArray());
                }
                case BWD_WEIGHTS -> {
                    Tensor dw = scope.full(Float.NaN, s.wDims());
                    Tensor dbias = scope.full(Float.NaN, s.k());
                    b.backwardWeights(dw, dbias, scope.tensor(in.dy(), s.yDims()),
                            scope.tensor(in.x(), s.xDims()), s.params());
                    out.put("dw", dw.toArray());
                    out.put("dbias", dbias.toArray());
                }
            }
        }
        return out;
    }

    /** Σ|terms| of every output: the reference run on absolute values. */
    private static Map<String, float[]> scales(Inputs in, Variant v) {
        Conv2dShape s = in.s();
        float[] ax = abs(in.x()), aw = abs(in.w()), ady = abs(in.dy());
        return switch (v) {
            case FWD, FWD_BIAS_RELU -> {
                float[] y = new float[size(s.yDims())];
                Conv2dReference.forward(y, ax, aw, v == Variant.FWD ? null : abs(in.bias()),
                        new Conv2dShape(s.n(), s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.params().withRelu(false)));
                yield Map.of("y", y);
            }
            case BWD_DATA -> {
                float[] dx = new float[size(s.xDims())];
                Conv2dReference.backwardData(dx, ady, aw, s);
                yield Map.of("dx", dx);
            }
            case BWD_WEIGHTS -> {
                float[] dw = new float[size(s.wDims())];
                float[] dbias = new float[s.k()];
                Conv2dReference.backwardWeights(dw, dbias, ady, ax, s);
                yield Map.of("dw", dw, "dbias", dbias);
            }
        };
    }

    static int size(int[] dims) {
        return Tensor.elementCount(dims);
    }
}
