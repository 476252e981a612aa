package org.clengine.pooling;

import static org.clengine.verify.Comparison.abs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.HalfBits;
import org.clengine.verify.OpVerification;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;

/**
 * verify's pooling rows: max, average (padding counted or not) and global average, forward and backward, on fresh
 * normal data with outputs poisoned with NaN. {@code max_ties} draws small integers (many equal values in a
 * window, sums exact in fp32): the argmax and the backward must match the reference bit for bit. Shapes of up to
 * {@link #HALF_ROWS_UP_TO} input elements (the coverage shapes among them, so Oclgrind and the coverage test see
 * those builds) run every variant again with F16 and BF16 tensors (rows {@code f16 max_fwd}, ...): a max only moves
 * rounded values and stays exact; the sums get {@link Tolerance#half} and at most
 * {@link Tolerance#HALF_MISMATCHES} of their elements may differ in bits from the reference's.
 */
public final class PoolingVerification implements OpVerification<PoolingOps> {
    /** The largest input with 16-bit rows: small, so verify and Oclgrind stay quick. */
    public static final int HALF_ROWS_UP_TO = 1 << 16;

    public enum Variant {
        MAX_FWD, MAX_BWD, MAX_TIES, AVG_FWD, AVG_BWD, AVG_EXCL_PAD_FWD, AVG_EXCL_PAD_BWD, GLOBAL_AVG_FWD,
        GLOBAL_AVG_BWD;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Override
    public List<String> shapes() {
        return List.of("mb2ic32ih28kh2", "mb2ic64ih14kh2", "mb2ic64ih112kh3sh2ph1", "mb2ic512ih7kh7",
                "mb3ic5ih7iw9kh3kw2sh2sw1ph1pw1", "mb1ic1ih1kh1", "mb7ic3ih13kh4sh3ph2");
    }

    @Override
    public List<String> coverageShapes() {
        // overlapping (gather), disjoint (scatter); planes of 135 > 64: the global average's lanes take several
        // floats; rows of 9 and 5 unpadded windows: max forward's compiled-in kernel, its float8 (2/2) and general
        // float4 paths and their tails; a padded disjoint window: the general scatter kernel
        return List.of("mb2ic3ih7iw9kh3sh2ph1", "mb2ic3ih7iw19kh2", "mb1ic2ih9iw15kh3sh3", "mb1ic2ih11kh3sh3ph1");
    }

    @Override
    public List<Row> run(PoolingOps device, PoolingOps reference, String descriptor, long seed) {
        List<Row> rows = new ArrayList<>();
        Pool2dShape s = Pool2dShape.parse(descriptor);
        for (DType act : DType.values()) {
            if (act != DType.F32 && Tensor.elementCount(s.xDims()) > HALF_ROWS_UP_TO) continue;
            String prefix = act == DType.F32 ? "" : act.name().toLowerCase(Locale.ROOT) + " ";
            for (Variant v : Variant.values()) {
                for (Comparison c : run(device, reference, s, v, seed, act)) {
                    rows.add(new Row(descriptor, prefix + v.label(), c));
                }
            }
        }
        return rows;
    }

    /** One variant on one shape, device against reference; drawn again while the reference checks nothing. */
    public static List<Comparison> run(PoolingOps device, PoolingOps reference, Pool2dShape s, Variant v, long seed) {
        return run(device, reference, s, v, seed, DType.F32);
    }

    /** As above with x, y, dy and dx stored in {@code act}. */
    public static List<Comparison> run(PoolingOps device, PoolingOps reference, Pool2dShape s, Variant v, long seed,
            DType act) {
        return OpVerification.trusted(attempt -> runOnce(device, reference, s, v, attempt, act), seed);
    }

    private static List<Comparison> runOnce(PoolingOps device, PoolingOps reference, Pool2dShape s, Variant v,
            long seed, DType act) {
        if (v == Variant.AVG_EXCL_PAD_FWD || v == Variant.AVG_EXCL_PAD_BWD) {
            s = s.withParams(s.params().withCountIncludePad(false));
        }
        RandomFill r = new RandomFill(seed);
        int nx = Tensor.elementCount(s.xDims()), ny = Tensor.elementCount(s.yDims());
        boolean ties = v == Variant.MAX_TIES;
        float[] x = ties ? r.integers(nx, 2) : r.normal(nx);
        float[] dy = ties ? r.integers(ny, 3) : r.normal(Math.max(ny, s.n() * s.c()));
        Map<String, float[]> expected = outputs(reference, s, v, x, dy, act);
        Map<String, float[]> got = outputs(device, s, v, x, dy, act);
        var p = s.params();
        long window = v.name().startsWith("GLOBAL") ? (long) s.h() * s.w() : (long) p.kernelH() * p.kernelW();
        // a max backward adds dy over the windows an element wins: up to ceil(k/s)² of them
        long overlap = (long) ((p.kernelH() + p.strideH() - 1) / p.strideH()) * ((p.kernelW() + p.strideW() - 1)
                / p.strideW());
        Tolerance tol = switch (v) {
            case MAX_FWD, MAX_TIES -> Tolerance.EXACT;
            case MAX_BWD -> overlap == 1 ? Tolerance.EXACT : Tolerance.sum(overlap);
            default -> Tolerance.sum(window);
        };
        // an average of random signs can cancel to far below its terms (mb1ic1ih5kh2: 25 values of size ~1 averaging
        // to 0.003), so errors are measured against the same op on |x| and |dy|; a max keeps x, whose argmax it follows
        boolean max = v.name().startsWith("MAX");
        Map<String, float[]> scale = outputs(reference, s, v, max ? x : abs(x), abs(dy), act);
        boolean rounds = act != DType.F32 && tol != Tolerance.EXACT;
        List<Comparison> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            float[] want = e.getValue(), have = got.get(e.getKey());
            out.add(Comparison.of(e.getKey(), want, have, rounds ? Tolerance.half(act, tol) : tol,
                    scale.get(e.getKey())));
            if (rounds) out.add(HalfBits.mismatches(e.getKey(), want, have));
        }
        return out;
    }


    static Map<String, float[]> outputs(PoolingOps ops, Pool2dShape s, Variant v, float[] x, float[] dy, DType act) {
        Pool2dParams p = s.params();
        int[] small = {s.n(), s.c()};
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor xt = scope.tensor(act, x, s.xDims());
            Tensor y = scope.full(act, Float.NaN, s.yDims());
            Tensor dx = scope.full(act, Float.NaN, s.xDims());
            switch (v) {
                case MAX_FWD -> ops.maxForward(y, xt, p);
                case MAX_BWD -> ops.maxBackward(dx, scope.tensor(act, head(dy, y.size()), s.yDims()), xt, p);
                case MAX_TIES -> {
                    ops.maxForward(y, xt, p);
                    ops.maxBackward(dx, scope.tensor(act, head(dy, y.size()), s.yDims()), xt, p);
                }
                case AVG_FWD, AVG_EXCL_PAD_FWD -> ops.avgForward(y, xt, p);
                case AVG_BWD, AVG_EXCL_PAD_BWD -> ops.avgBackward(dx, scope.tensor(act, head(dy, y.size()), s.yDims()),
                        p);
                case GLOBAL_AVG_FWD -> {
                    Tensor g = scope.full(act, Float.NaN, small);
                    ops.globalAvgForward(g, xt);
                    out.put("y", g.toArray());
                }
                case GLOBAL_AVG_BWD -> ops.globalAvgBackward(dx, scope.tensor(act, head(dy, s.n() * s.c()),
                        small));
            }
            if (v.name().endsWith("FWD") && v != Variant.GLOBAL_AVG_FWD || v == Variant.MAX_TIES) {
                out.put("y", y.toArray());
            }
            if (v.name().endsWith("BWD") || v == Variant.MAX_TIES) out.put("dx", dx.toArray());
        }
        return out;
    }

    private static float[] head(float[] a, int n) {
        return Arrays.copyOf(a, n);
    }
}
