package org.clengine.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.clengine.backend.OpenClBackend;
import org.clengine.conv2d.Conv2dBlocked;
import org.clengine.conv2d.Conv2dOps;
import org.clengine.conv2d.Conv2dPath;
import org.clengine.conv2d.Conv2dPolicy;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.RandomFill;

/**
 * Convolution paths A/B in one process, alternated call by call (load on a shared machine hits both alike): the
 * device's default policy against variants, medians of the timed repeats, ratio default/variant (> 1: the variant
 * is faster). Not a JMH run: a quick comparison of paths on one layer.
 *
 * <pre>java -cp benchmarks/target/clengine-benchmarks.jar org.clengine.bench.Conv2dPathsAB SHAPE OP REPEATS VARIANT...
 * OP: fwd | bwdd | bwdw;  VARIANT: gemm | direct | blocked:TQ:KV (the blocked kernel forced with that tile)</pre>
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
            for (String v : Arrays.asList(args).subList(3, args.length)) {
                names.add(v);
                ops.add(base.withPolicy(base.policy().withConv2d(variant(base.policy().conv2d(), v))).conv2d());
            }
            double[][] ms = time(base, ops, s, op, reps);
            double flops = 2.0 * s.n() * s.k() * s.p() * s.q() * (double) s.c() / s.groups() * s.r() * s.s();
            for (int i = 0; i < ops.size(); i++) {
                double m = median(ms[i]);
                System.out.printf(Locale.ROOT, "%s %s %-14s median %8.2f ms %7.1f GFLOP/s  default/this %.3f%n",
                        args[0], op, names.get(i), m, flops / m / 1e6, median(ms[0]) / m);
            }
        }
    }

    private static Conv2dPolicy variant(Conv2dPolicy p, String v) {
        String[] f = v.split(":");
        return switch (f[0]) {
            case "gemm" -> p.withPath(Conv2dPath.GEMM);
            case "direct" -> p.withPath(Conv2dPath.DIRECT);
            case "blocked" -> p.withPath(Conv2dPath.BLOCKED)
                    .withBlocked(new Conv2dBlocked(Integer.parseInt(f[1]), Integer.parseInt(f[2]), true));
            default -> throw new IllegalArgumentException("unknown variant " + v);
        };
    }

    /** ms[variant][repeat]: two untimed rounds, then {@code reps} rounds each running every variant once. */
    private static double[][] time(OpenClBackend base, List<Conv2dOps> ops, Conv2dShape s, String op, int reps) {
        RandomFill r = new RandomFill(1);
        try (TensorScope sc = new TensorScope(base.memory())) {
            Tensor x = sc.tensor(r.normal(Tensor.elementCount(s.xDims())), s.xDims());
            Tensor w = sc.tensor(r.normal(Tensor.elementCount(s.wDims())), s.wDims());
            Tensor dy = sc.tensor(r.normal(Tensor.elementCount(s.yDims())), s.yDims());
            Tensor dx = sc.tensor(r.normal(Tensor.elementCount(s.xDims())), s.xDims());
            Tensor dw = sc.tensor(r.normal(Tensor.elementCount(s.wDims())), s.wDims());
            double[][] ms = new double[ops.size()][reps];
            for (int rep = -2; rep < reps; rep++) {
                for (int i = 0; i < ops.size(); i++) {
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
