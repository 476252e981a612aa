package org.clengine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clengine.device.DeviceManager;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.MatmulReference;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GEMM {@code C = A·B} (fp32, row major, dense) over system × shape: clengine's matmul on the OpenCL device (packing
 * included: each invocation is the whole op), CLBlast's Sgemm on the same device, OpenBLAS's cblas_sgemm on the host
 * ({@link GemmSystems}). Fractions are of the FMA peak that {@link PeakBench} measures in the same run.
 *
 * <p>{@code @Setup} checks the system against {@link MatmulReference} first, on the benchmark's shape with M cut so
 * that M·N·K ≤ 2^28 (the reference in double takes seconds beyond that), taking the path the engine takes for the full
 * shape; C starts as NaN. Then it runs the full GEMM twice (CLBlast compiles on its first call, PoCL specialises).
 *
 * <p>A/B of GEMM policies in one JMH run (issue #19), by hand: {@code system} also takes {@code clengine:packed},
 * {@code clengine:direct}, {@code clengine:directab} (that path forced) and {@code clengine:mc64nc256kc256b512}
 * (those blocks for the shape's class), each checked like the others, e.g.
 * {@code org.openjdk.jmh.Main MatmulBench -p shape=m256n256k256 -p system=clengine,clengine:directab,openblas}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class MatmulBench {
    static final long SEED = BatchNormBench.SEED;
    static final List<String> SHAPES = List.of("m256n256k256", "m512n512k512", "m1024n1024k1024",
            "m2048n2048k2048", "m64n3136k576", "m256n6272k2304", "m576n3136k64");

    @Param({"m256n256k256", "m512n512k512", "m1024n1024k1024", "m2048n2048k2048", "m64n3136k576", "m256n6272k2304",
        "m576n3136k64"})
    public String shape;

    @Param({"plain"})
    public String variant;

    @Param({BenchSystems.CLENGINE, GemmSystems.CLBLAST, GemmSystems.OPENBLAS})
    public String system;

    private GemmSystems.GemmSystem open;
    private GemmSystems.Gemm gemm;

    @Setup(Level.Trial)
    public void setUp() {
        MatmulShape s = parse(shape);
        open = GemmSystems.open(system);
        check(s);
        RandomFill r = new RandomFill(SEED + 1);
        gemm = open.prepare(s, r.normal(s.m() * s.k()), r.normal(s.k() * s.n()), s);
        gemm.run();
        gemm.run();
    }

    /** The same N and K with at most 2^28 / (N·K) rows (at least 8): the reference's cost stays near a second. */
    static MatmulShape checkShape(MatmulShape s) {
        long rows = Math.max(8, (1L << 28) / ((long) s.n() * s.k()));
        return MatmulShape.of((int) Math.min(s.m(), rows), s.n(), s.k());
    }

    private void check(MatmulShape full) {
        MatmulShape s = checkShape(full);
        long start = System.nanoTime();
        RandomFill r = new RandomFill(SEED);
        float[] a = r.normal(s.m() * s.k()), b = r.normal(s.k() * s.n());
        float[] got;
        try (GemmSystems.Gemm g = open.prepare(s, a, b, full)) {
            g.run();
            got = g.result();
        }
        MatmulLayout l = MatmulLayout.contiguous(s);
        float[] expected = new float[s.m() * s.n()], scale = new float[s.m() * s.n()];
        MatmulReference.gemm(expected, a, b, null, s, l, MatmulParams.DEFAULT);
        MatmulReference.gemm(scale, abs(a), abs(b), null, s, l, MatmulParams.DEFAULT);
        Comparison c = Comparison.of("c", expected, got, Tolerance.matmul(s.k()), scale);
        if (!c.passed()) {
            throw new IllegalStateException("check against the reference failed for " + system + " on " + s
                    + " (cut from " + full + "): " + c);
        }
        System.out.printf(Locale.ROOT, "check %s on %s (cut from %s): C matches the reference (rel L2 %.1e, %.1f s)%n",
                system, s, full, c.relL2(), (System.nanoTime() - start) / 1e9);
    }

    static float[] abs(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gemm != null) gemm.close();
        if (open != null) open.close();
    }

    @Benchmark
    public void matmul() {
        gemm.run();
    }

    static MatmulShape parse(String descriptor) {
        MatmulShape s = MatmulShape.parse(descriptor);
        if (s.batch() != 1 || s.transA() || s.transB()) {
            throw new IllegalArgumentException("MatmulBench times dense, untransposed, single GEMMs; got " + s);
        }
        return s;
    }

    /** How the runner reads this class's results, and the FMA peak measured beside it. */
    public static final BenchFamily FAMILY = new BenchFamily() {
        @Override
        public String stem() {
            return "matmul";
        }

        @Override
        public Class<?> benchmark() {
            return MatmulBench.class;
        }

        @Override
        public List<String> shapes() {
            return SHAPES;
        }

        @Override
        public List<String> variants() {
            return List.of("plain");
        }

        @Override
        public String op(String method) {
            return method.equals("fma") ? PeakBench.OP : "matmul";
        }

        @Override
        public Work work(String op, String shape, String variant) {
            if (!variant.equals("plain") && !op.equals(PeakBench.OP)) {
                throw new IllegalArgumentException("matmul has one variant, 'plain'; got '" + variant + "'");
            }
            if (op.equals(PeakBench.OP)) return new Work(Math.round(PeakBench.flops(DeviceManager.choose().device())), 0);
            MatmulShape s = parse(shape);
            return new Work(Math.round(s.flops()), 0);
        }

        @Override
        public long copyFloats(String shape) {
            return 0;
        }

        @Override
        public List<PythonPeer> peers() {
            // the strongest BLAS here (issue #19): native OpenBLAS builds newer than the JVM's 0.3.19
            return List.of(PythonPeer.OPENBLAS_DEBIAN, PythonPeer.OPENBLAS_NEWEST);
        }

        @Override
        public List<Trials> trials(List<String> shapes, List<String> variants, boolean peers) {
            List<String> systems = peers ? GemmSystems.present() : List.of(BenchSystems.CLENGINE);
            List<Trials> out = new ArrayList<>();
            out.add(new Trials(PeakBench.class, List.of(), Map.of()));
            out.add(new Trials(MatmulBench.class, List.of(), Map.of("shape", shapes, "variant", variants,
                    "system", systems)));
            out.add(new Trials(PeakBench.class, List.of(), Map.of())); // again after: the load may have changed
            return out;
        }

        @Override
        public List<String> notes(boolean peers) {
            List<String> out = new ArrayList<>(List.of("peak: peak_fma (kernels/peak.cl through "
                    + "org.clengine.device.Ceilings), " + PeakBench.flopsLine() + "; the fastest invocation of its "
                    + "two trials (before and after the GEMMs)"));
            List<String> present = peers ? GemmSystems.present() : List.of();
            if (present.contains(GemmSystems.CLBLAST)) {
                out.add("clblast: CLBlast's Sgemm through JOCLBlast " + GemmSystems.version("org.jocl", "jocl-blast")
                        + " (its bundled libclblast) on the same OpenCL device, in a context of its own; kernels "
                        + "compiled in setup (its first call), C = A·B row major");
            }
            if (present.contains(GemmSystems.OPENBLAS)) {
                out.add("openblas: cblas_sgemm of org.bytedeco:openblas " + GemmSystems.version("org.bytedeco",
                        "openblas") + " (the OpenBLAS ND4J 1.0.0-M2.1 ships), linux-x86_64, its own threads "
                        + "(one per processor), on off-heap arrays");
            }
            return out;
        }

        /** GFLOP/s over the FMA peak's GFLOP/s in this run. */
        @Override
        public Double fraction(Row row, List<Row> rows) {
            return peakFraction(row, rows);
        }
    };

    /** A row's GFLOP/s over the peak_fma row's, or null without one. */
    static Double peakFraction(Row row, List<Row> rows) {
        if (row.gflops() == null) return null;
        return rows.stream().filter(r -> r.op().equals(PeakBench.OP) && r.gflops() != null).findFirst()
                .map(p -> row.gflops() / p.gflops()).orElse(null);
    }
}
