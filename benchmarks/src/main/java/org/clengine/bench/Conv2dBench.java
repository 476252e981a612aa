package org.clengine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.conv2d.Conv2dReference;
import org.clengine.matmul.MatmulReference;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.conv2d.Conv2dVerifier;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Convolution (NCHW, fp32) on ResNet layer shapes: forward, backward-data and backward-weights (no bias); the
 * batched GEMM the forward runs, as its ceiling ({@code gemm}: C[K×PQ] = W[K×CRS]·col[CRS×PQ] for every image, W
 * shared, on a col matrix made beforehand — im2col's cost is left out); and conv + batch norm forward-training,
 * fused ({@code conv2dBatchNormForwardTraining}) or not (conv, then BN). System {@code nd4j} runs the forward on
 * ND4J's CPU backend ({@link Nd4jConv}). Each invocation is the whole op plus {@code finish()}.
 *
 * <p>{@code @Setup} checks first, on the same layer with batch 2 (the double-precision reference of a 32-image
 * layer takes tens of seconds): {@link Conv2dVerifier} for the three ops, {@link MatmulReference} for the GEMM, the
 * fused result against the unfused one bit for bit, ND4J's output against {@link Conv2dReference}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class Conv2dBench {
    static final long SEED = BatchNormBench.SEED;
    static final String ND4J = "nd4j";
    /** The layer conv + BN is timed on. */
    static final String BN_SHAPE = "mb32ic64ih56iw56oc64kh3kw3ph1";
    static final List<String> SHAPES = List.of(BN_SHAPE, "mb32ic64ih56iw56oc256kh1kw1",
            "mb32ic128ih28iw28oc128kh3kw3ph1", "mb32ic256ih14iw14oc256kh3kw3ph1", "mb32ic128ih56iw56oc128kh3kw3sh2ph1",
            "g64mb32ic64ih56iw56oc64kh3kw3ph1");
    static final Map<String, String> OPS = Map.of("forward", "conv2d_fwd", "backwardData", "conv2d_bwd_data",
            "backwardWeights", "conv2d_bwd_weights", "gemm", "conv2d_gemm", "convBatchNorm", "conv2d_bn_fwd_train");

    @Param({BN_SHAPE})
    public String shape;

    @Param({"plain"})
    public String variant;

    @Param({BenchSystems.CLENGINE})
    public String system;

    private Backend backend;
    private TensorScope scope;
    private Conv2dShape s;
    private Tensor x, w, y, dy, dx, dw, col, conv, gamma, beta, mean, invstd;
    private BatchNormRunningStats running;
    private Gemm gemmCall;
    private Nd4jConv nd4j;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        s = Conv2dShape.parse(shape);
        long start = System.nanoTime();
        String checked = system.equals(ND4J) ? setUpNd4j() : setUpEngine(method);
        System.out.printf(Locale.ROOT, "check %s %s %s on %s (batch 2): %s (%.1f s)%n", method, shape, variant, system,
                checked, (System.nanoTime() - start) / 1e9);
        for (int i = 0; i < 2; i++) run(method);
    }

    private String setUpNd4j() {
        if (!variant.equals("plain")) throw new IllegalArgumentException("nd4j runs the plain forward only");
        Conv2dShape c = batch2(s);
        RandomFill r = new RandomFill(SEED);
        float[] cx = r.normal(Tensor.elementCount(c.xDims())), cw = r.normal(Tensor.elementCount(c.wDims()));
        float[] got;
        try (Nd4jConv check = new Nd4jConv(c, cx, cw)) {
            check.forward();
            got = check.y();
        }
        float[] expected = new float[Tensor.elementCount(c.yDims())], scale = new float[expected.length];
        Conv2dReference.forward(expected, cx, cw, null, c);
        Conv2dReference.forward(scale, MatmulBench.abs(cx), MatmulBench.abs(cw), null, c);
        require(List.of(Comparison.of("y", expected, got, Tolerance.conv2d((long) c.c() / c.groups() * c.r() * c.s()),
                scale)));
        RandomFill t = new RandomFill(SEED + 1);
        nd4j = new Nd4jConv(s, t.normal(Tensor.elementCount(s.xDims())), t.normal(Tensor.elementCount(s.wDims())));
        return "y matches the reference; " + Nd4jConv.describe();
    }

    private String setUpEngine(String method) {
        backend = BenchSystems.open(system);
        String checked = switch (method) {
            case "forward" -> verify(Conv2dVerifier.Variant.FWD);
            case "backwardData" -> verify(Conv2dVerifier.Variant.BWD_DATA);
            case "backwardWeights" -> verify(Conv2dVerifier.Variant.BWD_WEIGHTS);
            case "gemm" -> checkGemm();
            case "convBatchNorm" -> verify(Conv2dVerifier.Variant.FWD) + "; " + checkFusion();
            default -> throw new IllegalArgumentException("no check for " + method);
        };
        scope = new TensorScope(backend.memory());
        allocate(scope, s, method, new RandomFill(SEED + 1));
        return checked;
    }

    private void allocate(TensorScope sc, Conv2dShape c, String method, RandomFill r) {
        x = sc.tensor(r.normal(Tensor.elementCount(c.xDims())), c.xDims());
        w = sc.tensor(r.normal(Tensor.elementCount(c.wDims())), c.wDims());
        y = sc.full(0f, c.yDims());
        if (method.startsWith("backward")) {
            dy = sc.tensor(r.normal(Tensor.elementCount(c.yDims())), c.yDims());
            dx = sc.full(0f, c.xDims());
            dw = sc.full(0f, c.wDims());
        }
        if (method.equals("gemm")) {
            MatmulShape gemmShape = gemmOf(c);
            col = sc.tensor(r.normal(gemmShape.batch() * gemmShape.k() * gemmShape.n()),
                    gemmShape.batch() * gemmShape.k() * gemmShape.n());
            gemmCall = Gemm.of(y, w, col, gemmShape).layout(gemmLayout(gemmShape));
        }
        if (method.equals("convBatchNorm")) {
            conv = sc.full(0f, c.yDims());
            gamma = sc.tensor(r.uniform(c.k(), 0.5, 1.5), c.k());
            beta = sc.tensor(r.normal(c.k()), c.k());
            mean = sc.full(0f, c.k());
            invstd = sc.full(0f, c.k());
            running = sc.add(BatchNormRunningStats.create(backend.memory(), c.k()));
        }
    }

    private String verify(Conv2dVerifier.Variant v) {
        List<Comparison> result = Conv2dVerifier.run(backend.conv2d(), new ReferenceBackend().conv2d(), batch2(s), v, SEED);
        require(result);
        return result.size() + " output(s) match the reference";
    }

    /** The GEMM on batch 2 (W shared by both images) against the reference. */
    private String checkGemm() {
        MatmulShape g = gemmOf(batch2(s));
        MatmulLayout l = gemmLayout(g);
        RandomFill r = new RandomFill(SEED);
        float[] a = r.normal(g.m() * g.k()), b = r.normal(g.batch() * g.k() * g.n());
        float[] expected = new float[g.batch() * g.m() * g.n()], scale = new float[expected.length];
        MatmulReference.gemm(expected, a, b, null, g, l, MatmulParams.DEFAULT);
        MatmulReference.gemm(scale, MatmulBench.abs(a), MatmulBench.abs(b), null, g, l, MatmulParams.DEFAULT);
        float[] got;
        try (TensorScope sc = new TensorScope(backend.memory())) {
            Tensor c = sc.full(Float.NaN, expected.length);
            backend.matmul().gemm(Gemm.of(c, sc.tensor(a, a.length), sc.tensor(b, b.length), g).layout(l));
            got = c.toArray();
        }
        require(List.of(Comparison.of("c", expected, got, Tolerance.matmul(g.k()), scale)));
        return "GEMM " + gemmOf(s) + " (checked as " + g + ") matches the reference";
    }

    /** Fused and unfused conv + BN on batch 2 give the same bits (the engine's promise). */
    private String checkFusion() {
        Conv2dShape c = batch2(s);
        float[][] out = new float[2][];
        for (String v : List.of("fused", "unfused")) {
            try (TensorScope sc = new TensorScope(backend.memory())) {
                allocate(sc, c, "convBatchNorm", new RandomFill(SEED));
                convBatchNorm(v, c);
                out[v.equals("fused") ? 0 : 1] = y.toArray();
            }
        }
        require(List.of(Comparison.of("y", out[1], out[0], Tolerance.EXACT)));
        return "fused y equals unfused y bit for bit";
    }

    private static void require(List<Comparison> result) {
        List<Comparison> bad = result.stream().filter(c -> !c.passed()).toList();
        if (!bad.isEmpty()) throw new IllegalStateException("check against the reference failed: " + bad);
    }

    static Conv2dShape batch2(Conv2dShape s) {
        return new Conv2dShape(Math.min(2, s.n()), s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.params());
    }

    /** The forward's GEMM over all images at once: batch N, M = K, N = P·Q, K = C·R·S (groups = 1). */
    static MatmulShape gemmOf(Conv2dShape s) {
        if (s.groups() != 1) throw new IllegalArgumentException("no single GEMM for grouped " + s);
        return new MatmulShape(s.n(), s.k(), s.p() * s.q(), s.c() * s.r() * s.s(), false, false);
    }

    /** W (A) shared by every image: stride 0; col (B) and y (C) image after image. */
    static MatmulLayout gemmLayout(MatmulShape g) {
        return new MatmulLayout(0, g.k(), 0, 0, g.n(), g.k() * g.n(), 0, g.n(), g.m() * g.n());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (nd4j != null) nd4j.close();
        if (scope != null) scope.close();
        if (backend != null) backend.close();
    }

    private void run(String method) {
        switch (method) {
            case "forward" -> forward();
            case "backwardData" -> backwardData();
            case "backwardWeights" -> backwardWeights();
            case "gemm" -> gemm();
            case "convBatchNorm" -> convBatchNorm();
            default -> throw new IllegalArgumentException(method);
        }
    }

    @Benchmark
    public void forward() {
        if (nd4j != null) {
            nd4j.forward();
            return;
        }
        backend.conv2d().forward(y, x, w, s.params());
        backend.finish();
    }

    @Benchmark
    public void backwardData() {
        backend.conv2d().backwardData(dx, dy, w, s.params());
        backend.finish();
    }

    @Benchmark
    public void backwardWeights() {
        backend.conv2d().backwardWeights(dw, dy, x, s.params());
        backend.finish();
    }

    @Benchmark
    public void gemm() {
        backend.matmul().gemm(gemmCall);
        backend.finish();
    }

    @Benchmark
    public void convBatchNorm() {
        convBatchNorm(variant, s);
    }

    private void convBatchNorm(String v, Conv2dShape c) {
        BatchNormTraining bn = BatchNormTraining.of(y, new BatchNormSaved(mean, invstd), conv).affine(gamma, beta)
                .running(running);
        if (v.equals("fused")) {
            backend.conv2d().forwardBatchNormTraining(x, w, null, c.params(), bn);
        } else {
            backend.conv2d().forward(conv, x, w, c.params());
            backend.batchNorm().forwardTraining(bn);
        }
        backend.finish();
    }

    public static final BenchFamily FAMILY = new Conv2dFamily();
}
