package org.clengine.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.clengine.backend.OpenClBackend;
import org.clengine.conv2d.Conv2dBlocked;
import org.clengine.conv2d.Conv2dOps;
import org.clengine.conv2d.Conv2dPath;
import org.clengine.conv2d.Conv2dPolicy;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Ceilings;
import org.clengine.device.DeviceBuffer;
import org.clengine.verify.RandomFill;

/**
 * Convolution paths A/B in one process, alternated call by call (load on a shared machine hits both alike): the
 * device's default policy against variants, medians of the timed repeats, ratio default/variant (> 1: the variant
 * is faster). Not a JMH run: a quick comparison of paths on one layer. The FMA peak (Ceilings, kernels/peak.cl, one
 * launch of about 30 ms) runs in each round too, alternated with the variants; each row gives its fraction of the
 * peak's median.
 *
 * <pre>java -cp benchmarks/target/clengine-benchmarks.jar org.clengine.bench.Conv2dPathsAB SHAPE OP REPEATS VARIANT...
 * OP: fwd | bwdd | bwdw;  VARIANT: PATH[@DTYPE], PATH: default | gemm | direct | blocked:TQ:KV[:RT:CB] (the blocked
 * kernel forced with that tile, RT tiles per work-item over blocks of CB channels); DTYPE: f32 (the default) | f16 | bf16, the storage of x, w, y, dy and dx</pre>
 */
public final class Conv2dPathsAB {
    private Conv2dPathsAB() {
    }

    public static void main(String[] args) {
        if (args.length < 4) throw new IllegalArgumentException("usage: SHAPE fwd|bwdd|bwdw REPEATS VARIANT...");
        Conv2dShape s = Conv2dShape.parse(args[0]);
        String op = args[1];
        int reps = Integer.parseInt(args[2]);
        try (OpenClBackend base = OpenClBackend.open()) {
            List<String> names = new ArrayList<>(List.of("default"));
            List<Conv2dOps> ops = new ArrayList<>(List.of(base.conv2d()));
            List<DType> types = new ArrayList<>(List.of(DType.F32));
            for (String v : Arrays.asList(args).subList(3, args.length)) {
                String[] pd = v.split("@");
                names.add(v);
                types.add(pd.length > 1 ? DType.valueOf(pd[1].toUpperCase(Locale.ROOT)) : DType.F32);
                ops.add(base.withPolicy(base.policy().withConv2d(variant(base.policy().conv2d(), pd[0]))).conv2d());
            }
            Ceilings.FmaPeak cal = Ceilings.fmaPeak(base.device(), 1, 0.03);
            try (DeviceBuffer out = base.device().allocate(cal.launch().items() * Float.BYTES)) {
                Runnable peak = () -> Ceilings.launch(base.device(), out, cal.launch(), cal.iters());
                double[][] ms = time(base, ops, types, peak, s, op, reps);
                report(args[0] + " " + op, names, ms, cal.launch().flops(cal.iters()) / median(ms[ops.size()]) / 1e6,
                        2.0 * s.n() * s.k() * s.p() * s.q() * (double) s.c() / s.groups() * s.r() * s.s());
            }
        }
    }

    private static void report(String label, List<String> names, double[][] ms, double peak, double flops) {
        System.out.printf(Locale.ROOT, "%s FMA peak %.1f GFLOP/s (peak_fma, alternated with the variants)%n", label,
                peak);
        for (int i = 0; i < names.size(); i++) {
            double m = median(ms[i]), gf = flops / m / 1e6;
            System.out.printf(Locale.ROOT, "%s %-18s median %8.2f ms %7.1f GFLOP/s %.3f of peak  default/this %.3f%n",
                    label, names.get(i), m, gf, gf / peak, median(ms[0]) / m);
        }
    }

    private static Conv2dPolicy variant(Conv2dPolicy p, String v) {
        String[] f = v.split(":");
        return switch (f[0]) {
            case "default" -> p;
            case "gemm" -> p.withPath(Conv2dPath.GEMM);
            case "direct" -> p.withPath(Conv2dPath.DIRECT);
            case "blocked" -> p.withPath(Conv2dPath.BLOCKED).withBlocked(new Conv2dBlocked(Integer.parseInt(f[1]),
                    Integer.parseInt(f[2]), true, f.length > 4 ? Integer.parseInt(f[3]) : 1,
                    f.length > 4 ? Integer.parseInt(f[4]) : 0));
            default -> throw new IllegalArgumentException("unknown variant " + v);
        };
    }

    /**
     * ms[variant][repeat]: two untimed rounds, then {@code reps} rounds each running every variant once, on tensors
     * of its dtype (the same values, rounded; dw stays F32), and then {@code peak} (ms[ops.size()]).
     */
    private static double[][] time(OpenClBackend base, List<Conv2dOps> ops, List<DType> types, Runnable peak,
            Conv2dShape s, String op, int reps) {
        RandomFill r = new RandomFill(1);
        float[] xv = r.normal(Tensor.elementCount(s.xDims())), wv = r.normal(Tensor.elementCount(s.wDims()));
        float[] dyv = r.normal(Tensor.elementCount(s.yDims()));
        Memory m = base.memory();
        try (TensorScope sc = new TensorScope(m)) {
            Map<DType, Tensor[]> byType = new EnumMap<>(DType.class);
            for (DType t : types) {
                byType.computeIfAbsent(t, k -> new Tensor[] {sc.add(m.tensor(k, xv, s.xDims())),
                    sc.add(m.tensor(k, wv, s.wDims())), sc.add(m.tensor(k, dyv, s.yDims())),
                    sc.add(m.full(k, 0f, s.xDims()))});
            }
            Tensor dw = sc.add(m.full(DType.F32, 0f, s.wDims()));
            double[][] ms = new double[ops.size() + 1][reps];
            for (int rep = -2; rep < reps; rep++) {
                for (int i = 0; i < ops.size(); i++) {
                    Tensor[] t = byType.get(types.get(i));
                    Tensor x = t[0], w = t[1], dy = t[2], dx = t[3];
                    long t0 = System.nanoTime();
                    switch (op) {
                        case "fwd" -> ops.get(i).forward(dy, x, w, s.params());
                        case "bwdd" -> ops.get(i).backwardData(dx, dy, w, s.params());
                        case "bwdw" -> ops.get(i).backwardWeights(dw, dy, x, s.params());
                        default -> throw new IllegalArgumentException("op must be fwd, bwdd or bwdw, got " + op);
                    }
                    base.finish();
                    if (rep >= 0) ms[i][rep] = (System.nanoTime() - t0) / 1e6;
                }
                long t0 = System.nanoTime();
                peak.run();
                base.finish();
                if (rep >= 0) ms[ops.size()][rep] = (System.nanoTime() - t0) / 1e6;
            }
            return ms;
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
