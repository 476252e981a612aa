package org.clengine.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.device.Ceilings;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulCase;
import org.clengine.matmul.MatmulOps;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.MatmulTypes;
import org.clengine.matmul.MatmulVerifier;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;

/**
 * GEMM policies (and OpenBLAS 0.3.19 in this JVM) A/B in one process, alternated block by block, so the load of a
 * shared machine hits every variant alike (issue #19, #15). Each round runs every variant for {@code CALLS} calls
 * (each call the whole GEMM plus finish); per variant it prints the median over rounds of the time per call, the
 * fastest call, the process's CPU time per call (mean over rounds; all threads: what the call costs the machine, less sensitive to
 * other processes than wall time), GFLOP/s of the median and of the fastest call, and the fastest call's fraction
 * of the FMA peak (kernels/peak.cl, fastest of launches before and after). Every variant is first checked against
 * the double reference (M cut to 64, on the path the full shape takes).
 *
 * <pre>java -cp benchmarks/target/clengine-benchmarks.jar org.clengine.bench.GemmPathsAB SHAPE DTYPE ROUNDS CALLS
 *     VARIANT...   DTYPE: f32 | bf16 | f16 (A, B and C);  VARIANT: default | packed | direct | directab |
 *     mcMncNkcKbB (GemmSystems.variant) | openblas (f32 only), each optionally as DTYPE:VARIANT (bf16:default) to
 *     compare dtypes in one run</pre>
 */
public final class GemmPathsAB {
    private GemmPathsAB() {
    }

    public static void main(String[] args) {
        if (args.length < 5) throw new IllegalArgumentException("usage: SHAPE DTYPE ROUNDS CALLS VARIANT...");
        MatmulShape s = MatmulShape.parse(args[0]);
        DType t = DType.valueOf(args[1].toUpperCase(Locale.ROOT));
        int rounds = Integer.parseInt(args[2]), calls = Integer.parseInt(args[3]);
        List<String> names = Arrays.asList(args).subList(4, args.length);
        try (OpenClBackend base = OpenClBackend.open()) {
            List<Runnable> runs = new ArrayList<>();
            List<AutoCloseable> open = new ArrayList<>();
            for (String v : names) {
                int colon = v.indexOf(':');
                DType vt = colon < 0 ? t : DType.valueOf(v.substring(0, colon).toUpperCase(Locale.ROOT));
                runs.add(prepare(base, colon < 0 ? v : v.substring(colon + 1), s, vt, open));
            }
            double peak = peak(base);
            double[][] wall = new double[names.size()][rounds], cpu = new double[names.size()][rounds];
            double[] best = new double[names.size()];
            Arrays.fill(best, Double.MAX_VALUE);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < runs.size(); i++) {
                    long c0 = cpuNanos(), w0 = System.nanoTime();
                    for (int j = 0; j < calls; j++) {
                        long t0 = System.nanoTime();
                        runs.get(i).run();
                        best[i] = Math.min(best[i], (System.nanoTime() - t0) / 1e6);
                    }
                    wall[i][r] = (System.nanoTime() - w0) / 1e6 / calls;
                    cpu[i][r] = (cpuNanos() - c0) / 1e6 / calls;
                }
            }
            peak = Math.max(peak, peak(base));
            report(args[0] + " " + t, names, wall, cpu, best, s.flops(), peak);
            for (AutoCloseable c : open) c.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void report(String what, List<String> names, double[][] wall, double[][] cpu, double[] best,
            double flops, double peak) {
        System.out.printf(Locale.ROOT, "%s: FMA peak %.1f GFLOP/s (fastest launch, same process)%n", what, peak / 1e9);
        for (int i = 0; i < names.size(); i++) {
            double m = median(wall[i]);
            System.out.printf(Locale.ROOT, "%-22s median %8.3f ms (%6.1f GFLOP/s)  fastest %8.3f ms (%6.1f GFLOP/s, "
                    + "%.2f of peak)  cpu %8.3f ms/call  first/this %.3f (fastest %.3f)%n", names.get(i), m,
                    flops / m / 1e6, best[i], flops / best[i] / 1e6, flops / best[i] * 1e3 / peak,
                    mean(cpu[i]), median(wall[0]) / m, best[0] / best[i]);
        }
    }

    /** One variant's call, checked first; its tensors go into {@code open}. */
    private static Runnable prepare(OpenClBackend base, String v, MatmulShape s, DType t, List<AutoCloseable> open) {
        RandomFill r = new RandomFill(MatmulBench.SEED + 1);
        float[] a = r.normal(s.m() * s.k()), b = r.normal(s.k() * s.n());
        if (v.equals(GemmSystems.OPENBLAS)) {
            if (t != DType.F32) throw new IllegalArgumentException("openblas runs f32 only");
            GemmSystems.GemmSystem sys = GemmSystems.open(GemmSystems.OPENBLAS);
            GemmSystems.Gemm g = sys.prepare(s, a, b, s);
            open.add(g);
            open.add(sys);
            g.run();
            check(v, g.result(), a, b, s);
            return g::run;
        }
        MatmulPolicy p = GemmSystems.variant(base.policy().matmul(), v.equals("default") ? "" : v, s);
        OpenClBackend pinned = base.withPolicy(base.policy().withMatmul(p.withPath(p.pathFor(s))));
        MatmulOps ops = pinned.matmul();
        MatmulShape cut = MatmulShape.of(Math.min(64, s.m()), s.n(), s.k());
        Comparison c = MatmulVerifier.run(ops, new ReferenceBackend().matmul(),
                MatmulCase.of(cut, MatmulParams.DEFAULT).withTypes(new MatmulTypes(t, t)), MatmulBench.SEED);
        if (!c.passed()) throw new IllegalStateException(v + " on " + cut + " " + t + ": " + c);
        Tensor ta = base.memory().tensor(t, a, a.length), tb = base.memory().tensor(t, b, b.length);
        Tensor tc = base.memory().full(t, Float.NaN, s.m() * s.n());
        open.addAll(List.of(tc::close, tb::close, ta::close));
        Gemm call = Gemm.of(tc, ta, tb, s);
        System.out.printf(Locale.ROOT, "%s: %s path %s, checked on %s (rel L2 %.1e)%n", v, p.label(), p.pathFor(s),
                cut, c.relL2());
        return () -> {
            ops.gemm(call);
            pinned.finish();
        };
    }

    private static void check(String v, float[] got, float[] a, float[] b, MatmulShape s) {
        float[] want = new float[got.length];
        org.clengine.matmul.MatmulReference.gemm(want, a, b, null, s, org.clengine.matmul.MatmulLayout.contiguous(s),
                MatmulParams.DEFAULT);
        float[] scale = new float[got.length];
        org.clengine.matmul.MatmulReference.gemm(scale, MatmulBench.abs(a), MatmulBench.abs(b), null, s,
                org.clengine.matmul.MatmulLayout.contiguous(s), MatmulParams.DEFAULT);
        Comparison c = Comparison.of("c", want, got, org.clengine.verify.Tolerance.matmul(s.k()), scale);
        if (!c.passed()) throw new IllegalStateException(v + " on " + s + ": " + c);
        System.out.printf(Locale.ROOT, "%s: checked on %s (rel L2 %.1e)%n", v, s, c.relL2());
    }

    /** FLOP/s of the fastest of 5 peak_fma launches (PeakBench's launch; its twin check is PeakBench's). */
    private static double peak(OpenClBackend base) {
        org.clengine.device.Device d = base.device();
        Ceilings.FmaLaunch l = Ceilings.FmaLaunch.forDevice(d.info());
        int iters = PeakBench.iters(l);
        double best = Double.MAX_VALUE;
        try (DeviceBuffer out = d.allocate(l.items() * Float.BYTES)) {
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                Ceilings.launch(d, out, l, iters);
                d.finish();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        }
        return l.flops(iters) / best;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** CPU time per call over all rounds (the process's CPU clock ticks coarsely: one block alone reads 0 or 10 ms). */
    static double mean(double[] x) {
        return Arrays.stream(x).average().orElse(Double.NaN);
    }

    static double median(double[] x) {
        double[] y = x.clone();
        Arrays.sort(y);
        return y.length % 2 == 1 ? y[y.length / 2] : (y[y.length / 2 - 1] + y[y.length / 2]) / 2;
    }
}
