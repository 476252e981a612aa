package org.clengine.sgd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;

/**
 * verify's SGD rows: three steps (so the momentum buffer is read back) with momentum and weight decay, momentum
 * only, decay only, and plain. Descriptor {@code n1000}: the parameter's element count. lr 0.1, momentum 0.9,
 * weight decay 0.01, so that a wrong term moves p far beyond {@link Tolerance#SGD}. Up to 2^16 parameters (the
 * coverage shape among them) also momentum_decay with a 16-bit copy of the weights ({@code f16 copy},
 * {@code bf16 copy}; issue 15), the copy held to {@link Tolerance#half}.
 */
public final class SgdVerification implements OpVerification<SgdOps> {
    private static final Pattern DESCRIPTOR = Pattern.compile("n(\\d+)");
    static final Map<String, SgdParams> VARIANTS = variants();

    private static Map<String, SgdParams> variants() {
        Map<String, SgdParams> v = new LinkedHashMap<>();
        v.put("momentum_decay", new SgdParams(0.1f, 0.9f, 0.01f));
        v.put("momentum", new SgdParams(0.1f, 0.9f, 0f));
        v.put("decay", new SgdParams(0.1f, 0f, 0.01f));
        v.put("plain", new SgdParams(0.1f, 0f, 0f));
        return v;
    }

    @Override
    public List<String> shapes() {
        return List.of("n1", "n10", "n4097", "n294912");
    }

    @Override
    public List<String> coverageShapes() {
        return List.of("n100");
    }

    @Override
    public List<Row> run(SgdOps device, SgdOps reference, String descriptor, long seed) {
        int n = parse(descriptor);
        List<Row> rows = new ArrayList<>();
        for (var v : VARIANTS.entrySet()) {
            for (Comparison c : run(device, reference, n, v.getValue(), seed)) {
                rows.add(new Row(descriptor, v.getKey(), c));
            }
        }
        for (DType act : n <= 1 << 16 ? List.of(DType.F16, DType.BF16) : List.<DType>of()) {
            for (Comparison c : run(device, reference, n, VARIANTS.get("momentum_decay"), seed, act)) {
                rows.add(new Row(descriptor, act.name().toLowerCase(java.util.Locale.ROOT) + " copy", c));
            }
        }
        return rows;
    }

    /** The parameter's element count of a descriptor such as {@code n1000}. */
    public static int parse(String descriptor) {
        Matcher m = DESCRIPTOR.matcher(descriptor.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + descriptor + "' is not an sgd descriptor such as n4096");
        }
        return Tensor.elementCount(Integer.parseInt(m.group(1)));
    }

    /** Three steps of {@code p} on n parameters: device against reference. */
    public static List<Comparison> run(SgdOps device, SgdOps reference, int n, SgdParams p, long seed) {
        return run(device, reference, n, p, seed, null);
    }

    /** As above, each step also writing a copy of the weights in {@code copy} (F16, BF16; null: none). */
    public static List<Comparison> run(SgdOps device, SgdOps reference, int n, SgdParams p, long seed, DType copy) {
        RandomFill r = new RandomFill(seed);
        float[] param = r.normal(n);
        float[][] grads = {r.normal(n), r.normal(n), r.normal(n)};
        Map<String, float[]> expected = outputs(reference, param, grads, p, copy);
        Map<String, float[]> got = outputs(device, param, grads, p, copy);
        Map<String, float[]> scale = magnitudes(param, grads, p);
        List<Comparison> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            boolean half = e.getKey().equals("copy");
            out.add(Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()),
                    half ? Tolerance.half(copy, Tolerance.SGD) : Tolerance.SGD,
                    scale.get(half ? "param" : e.getKey())));
        }
        return out;
    }

    /**
     * The same steps with every term added in magnitude: |p| + lr·Σ|step|, and the buffer likewise. An update can
     * cancel p to far below its terms (n1: one parameter, 2e-6 relative to a p that the steps had nearly zeroed),
     * so errors are measured against these.
     */
    static Map<String, float[]> magnitudes(float[] param, float[][] grads, SgdParams p) {
        int n = param.length;
        float[] a = Comparison.abs(param), bm = new float[n];
        for (float[] g : grads) {
            for (int i = 0; i < n; i++) {
                double d = Math.abs(g[i]) + (double) p.weightDecay() * a[i];
                double step = d;
                if (p.hasMomentum()) step = bm[i] = (float) (p.momentum() * bm[i] + d);
                a[i] = (float) (a[i] + p.lr() * step);
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("param", a);
        if (p.hasMomentum()) out.put("buf", bm);
        return out;
    }

    static Map<String, float[]> outputs(SgdOps ops, float[] param, float[][] grads, SgdParams p, DType copy) {
        int n = param.length;
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor pt = scope.tensor(param, n);
            Tensor buf = p.hasMomentum() ? scope.full(0f, n) : null;
            Tensor half = copy == null ? null : scope.full(copy, Float.NaN, n);
            for (float[] g : grads) ops.update(pt, buf, scope.tensor(g, n), p, half);
            out.put("param", pt.toArray());
            if (buf != null) out.put("buf", buf.toArray());
            if (half != null) out.put("copy", half.toArray());
        }
        return out;
    }
}
