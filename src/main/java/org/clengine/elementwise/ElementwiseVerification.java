package org.clengine.elementwise;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;

/**
 * verify's elementwise rows: every op of kernels/elementwise.cl, fill, and copy (copy.cl's float4 copy and its
 * tail) on fresh normal data, outputs poisoned with NaN. Descriptor {@code n1000}: the number of elements (the ops
 * ignore the shape). Copy, scale, add and ReLU round as the reference does and must match it exactly; sigmoid within
 * {@link Tolerance#TRANSCENDENTAL}. Up to {@link #HALF_ROWS_UP_TO} elements every op also runs on F16 and BF16
 * tensors (rows labelled {@code f16 scale}, ...; the coverage shape among them, so Oclgrind checks those builds):
 * the same ops round once more, on the store, as the reference does, so the exact ones stay exact and sigmoid gets
 * {@link Tolerance#half}. {@code convert} takes x in the row's dtype to each of the other two (outputs
 * {@code to_f32}, {@code to_f16}, {@code to_bf16}), bit for bit with the reference: F32 rows convert at every size.
 */
public final class ElementwiseVerification implements OpVerification<ElementwiseOps> {
    private static final Pattern DESCRIPTOR = Pattern.compile("n(\\d+)");
    /** The largest size with 16-bit rows: small, so verify and Oclgrind stay quick. */
    public static final int HALF_ROWS_UP_TO = 1 << 16;

    public enum Variant {
        FILL, SCALE, ADD, ADD_BWD, RELU_FWD, RELU_BWD, SIGMOID_FWD, SIGMOID_BWD, COPY, CONVERT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        Tolerance tolerance() {
            return this == SIGMOID_FWD || this == SIGMOID_BWD ? Tolerance.TRANSCENDENTAL : Tolerance.EXACT;
        }
    }

    @Override
    public List<String> shapes() {
        return List.of("n1", "n3", "n4095", "n4097", "n100003", "n3211264");
    }

    @Override
    public List<String> coverageShapes() {
        return List.of("n4099");
    }

    /** The element count of a descriptor such as {@code n4096}. */
    public static int parse(String descriptor) {
        var m = DESCRIPTOR.matcher(descriptor.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + descriptor + "' is not an elementwise descriptor such as n4096");
        }
        return Tensor.elementCount(Integer.parseInt(m.group(1)));
    }

    @Override
    public List<Row> run(ElementwiseOps device, ElementwiseOps reference, String descriptor, long seed) {
        List<Row> rows = new ArrayList<>();
        int n = parse(descriptor);
        for (DType act : DType.values()) {
            if (act != DType.F32 && n > HALF_ROWS_UP_TO) continue;
            String prefix = act == DType.F32 ? "" : act.name().toLowerCase(Locale.ROOT) + " ";
            for (Variant v : Variant.values()) {
                for (Comparison c : run(device, reference, n, v, seed, act)) {
                    rows.add(new Row(descriptor, prefix + v.label(), c));
                }
            }
        }
        return rows;
    }

    /**
     * Runs with inputs from {@code seed}; when the reference checks nothing (MISTRUSTED: a ReLU of one negative
     * value), draws again from seed+1, seed+2, ... up to 20 times.
     */
    public static List<Comparison> run(ElementwiseOps device, ElementwiseOps reference, int n, Variant v,
            long seed) {
        return run(device, reference, n, v, seed, DType.F32);
    }

    /** As above, every tensor of the op in {@code act}. */
    public static List<Comparison> run(ElementwiseOps device, ElementwiseOps reference, int n, Variant v,
            long seed, DType act) {
        return OpVerification.trusted(attempt -> runOnce(device, reference, n, v, attempt, act), seed);
    }

    private static List<Comparison> runOnce(ElementwiseOps device, ElementwiseOps reference, int n, Variant v,
            long seed, DType act) {
        RandomFill r = new RandomFill(seed);
        float[][] in = {r.normal(n), r.normal(n), r.uniform(n, 0.01, 0.99)};
        Map<String, float[]> expected = outputs(reference, in, v, act);
        Map<String, float[]> got = outputs(device, in, v, act);
        List<Comparison> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Tolerance tol = v.tolerance() == Tolerance.EXACT ? Tolerance.EXACT : Tolerance.half(act, v.tolerance());
            out.add(Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()), tol));
        }
        return out;
    }

    /** in: two normal arrays and one in (0, 1) (a sigmoid output for the backward). */
    static Map<String, float[]> outputs(ElementwiseOps b, float[][] in, Variant v, DType act) {
        int n = in[0].length;
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(b.memory())) {
            Tensor x = scope.tensor(act, in[0], n), z = scope.tensor(act, in[1], n), y = scope.full(act, Float.NaN, n);
            switch (v) {
                case FILL -> b.fill(y, 0.75f);
                case SCALE -> b.scale(y, x, -1.3f);
                case ADD -> b.add(y, x, z);
                case ADD_BWD -> {
                    Tensor db = scope.full(act, Float.NaN, n);
                    b.addBackward(y, db, x);
                    out.put("db", db.toArray());
                }
                case RELU_FWD -> b.reluForward(y, x);
                case RELU_BWD -> b.reluBackward(y, x, z);
                case SIGMOID_FWD -> b.sigmoidForward(y, x);
                case SIGMOID_BWD -> b.sigmoidBackward(y, x, scope.tensor(act, in[2], n));
                case COPY -> b.copy(y, x);
                case CONVERT -> {
                    for (DType to : DType.values()) {
                        if (to == act) continue;
                        Tensor t = scope.full(to, Float.NaN, n);
                        b.convert(t, x);
                        out.put("to_" + to.name().toLowerCase(Locale.ROOT), t.toArray());
                    }
                    return out;
                }
            }
            out.put(v == Variant.ADD_BWD ? "da" : v.name().endsWith("BWD") ? "dx" : "y", y.toArray());
        }
        return out;
    }
}
