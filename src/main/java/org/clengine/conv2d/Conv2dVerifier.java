package org.clengine.conv2d;

import static org.clengine.verify.Comparison.abs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.core.DType;
import org.clengine.core.Memory;
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

    /** Inputs as the tensors hold them: x, w, dy rounded to {@code dtype}, the bias F32. */
    record Inputs(Conv2dShape s, DType dtype, float[] x, float[] w, float[] bias, float[] dy) {
        static Inputs random(Conv2dShape s, DType dtype, long seed) {
            RandomFill r = new RandomFill(seed);
            return new Inputs(s, dtype, round(dtype, r.normal(size(s.xDims()))), round(dtype,
                    r.normal(size(s.wDims()))), r.normal(s.k()), round(dtype, r.normal(size(s.yDims()))));
        }

        private static float[] round(DType t, float[] values) {
            for (int i = 0; i < values.length; i++) values[i] = t.round(values[i]);
            return values;
        }
    }

    public static List<Comparison> run(Conv2dOps device, Conv2dOps reference, Conv2dShape s, Variant v, long seed) {
        return run(device, reference, s, v, DType.F32, seed);
    }

    /**
     * As {@link #run(Conv2dOps, Conv2dOps, Conv2dShape, Variant, long)} with x, w, y, dy and dx stored as
     * {@code dtype} (dw, dbias and the bias F32): y and dx are allowed one 16-bit rounding more.
     */
    public static List<Comparison> run(Conv2dOps device, Conv2dOps reference, Conv2dShape s, Variant v, DType dtype,
            long seed) {
        Inputs in = Inputs.random(s, dtype, seed);
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
            DType stored = e.getKey().startsWith("d") && !e.getKey().equals("dx") ? DType.F32 : dtype;
            out.add(Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()), Tolerance.conv2d(length, stored),
                    scales.get(e.getKey())));
        }
        return out;
    }

    static Map<String, float[]> outputs(Conv2dOps b, Inputs in, Variant v) {
        Conv2dShape s = in.s();
        Map<String, float[]> out = new LinkedHashMap<>();
        Memory m = b.memory();
        DType t = in.dtype();
        try (TensorScope scope = new TensorScope(m)) {
            Tensor x = scope.add(m.tensor(t, in.x(), s.xDims())), w = scope.add(m.tensor(t, in.w(), s.wDims()));
            Tensor dy = scope.add(m.tensor(t, in.dy(), s.yDims()));
            switch (v) {
                case FWD, FWD_BIAS_RELU -> {
                    Tensor y = scope.add(m.full(t, Float.NaN, s.yDims()));
                    boolean fused = v == Variant.FWD_BIAS_RELU;
                    b.forward(y, x, w, fused ? scope.tensor(in.bias(), s.k()) : null, s.params().withRelu(fused));
                    out.put("y", y.toArray());
                }
                case BWD_DATA -> {
                    Tensor dx = scope.add(m.full(t, Float.NaN, s.xDims()));
                    b.backwardData(dx, dy, w, s.params());
                    out.put("dx", dx.toArray());
                }
                case BWD_WEIGHTS -> {
                    Tensor dw = scope.full(Float.NaN, s.wDims());
                    Tensor dbias = scope.full(Float.NaN, s.k());
                    b.backwardWeights(dw, dbias, dy, x, s.params());
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
