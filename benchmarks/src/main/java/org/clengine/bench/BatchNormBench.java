package org.clengine.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormOp;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.batchnorm.BatchNormVariant;
import org.clengine.batchnorm.BatchNormVerifier;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
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
 * Batch normalization: one {@code @Benchmark} per op (forward training, forward inference, backward) over
 * system × shape × variant (plain, relu, add_relu: {@link BatchNormFusion#label()}). Each invocation enqueues the op
 * and waits for it ({@code finish}), so the time is the op's whole device time plus one launch round trip.
 *
 * <p>{@code @Setup} first checks the op and variant against the reference backend on the benchmark's own shape
 * ({@link BatchNormVerifier}: fresh random data, outputs poisoned with NaN, per-output tolerances) and refuses to
 * time a wrong kernel. Then it runs the op twice, so that PoCL's first-enqueue specialisation (≈ 100 ms a kernel)
 * falls outside even the warm-up.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class BatchNormBench {
    /** Seed of the check's random inputs; the timed inputs come from seed + 1. */
    static final long SEED = 20261122L;

    /** The {@code @Benchmark} methods and the op each measures. */
    static final Map<String, BatchNormOp> METHODS = Map.of(
            "forwardTraining", BatchNormOp.FORWARD_TRAINING,
            "forwardInference", BatchNormOp.FORWARD_INFERENCE,
            "backward", BatchNormOp.BACKWARD);

    @Param({"mb32ic64ih56iw56", "mb256ic256ih14iw14", "mb128ic2048"})
    public String shape;

    @Param({"plain", "relu", "add_relu"})
    public String variant;

    @Param({BenchSystems.CLENGINE})
    public String system;

    private Backend backend;
    private TensorScope scope;
    private BatchNormConfig config;
    private Tensor x, gamma, beta, z, y, dy, dx, dgamma, dbeta, dz;
    private BatchNormRunningStats running;
    /** The three calls, built once: a call record is immutable and can be run again and again. */
    private BatchNormTraining trainingCall;
    private BatchNormInference inferenceCall;
    private BatchNormBackward backwardCall;
    /** The ND4J peer when system is nd4j, else null. */
    private Nd4jBatchNorm nd4j;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        BatchNormOp op = METHODS.get(method);
        BatchNormFusion fusion = fusion(variant);
        BatchNormShape s = BatchNormShape.parse(shape);
        if (system.equals(Conv2dBench.ND4J)) {
            setUpNd4j(op, fusion, s);
            return;
        }
        config = BatchNormConfig.DEFAULT.withFusion(fusion);
        backend = BenchSystems.open(system);
        check(op, fusion, s);
        scope = new TensorScope(backend.memory());
        allocate(s, fusion);
        for (int i = 0; i < 2; i++) {
            switch (op) {
                case FORWARD_TRAINING -> forwardTraining();
                case FORWARD_INFERENCE -> forwardInference();
                case BACKWARD -> backward();
            }
        }
    }

    private void check(BatchNormOp op, BatchNormFusion fusion, BatchNormShape s) {
        BatchNormVariant v = variant(op, fusion);
        long start = System.nanoTime();
        List<Comparison> result = BatchNormVerifier.run(backend.batchNorm(), new ReferenceBackend().batchNorm(), s, v, SEED);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Comparison> bad = result.stream().filter(c -> !c.passed()).toList();
        if (!bad.isEmpty()) {
            throw new IllegalStateException("check against the reference failed for " + shape + " " + v.label()
                    + " on " + backend.name() + ": " + bad);
        }
        double worst = result.stream().mapToDouble(Comparison::relL2).filter(Double::isFinite).max().orElse(0);
        System.out.printf(java.util.Locale.ROOT, "check %s %s on %s: %d outputs match the reference "
                + "(worst rel L2 %.1e, %.1f s)%n", shape, v.label(), backend.name(), result.size(), worst, seconds);
    }

    /**
     * ND4J: checked like the engine (same inputs, tolerances and error scales, through
     * {@link BatchNormVerifier#compare}; backward from the reference forward's statistics), then timed on inputs
     * from seed + 1, backward after one forward-training that leaves its statistics.
     */
    private void setUpNd4j(BatchNormOp op, BatchNormFusion fusion, BatchNormShape s) {
        if (fusion != BatchNormFusion.NONE) throw new IllegalArgumentException("nd4j runs the plain variant only");
        long start = System.nanoTime();
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, SEED);
        BatchNormVariant v = variant(op, fusion);
        ReferenceBackend reference = new ReferenceBackend();
        Map<String, float[]> expected = new LinkedHashMap<>(BatchNormVerifier.outputs(reference.batchNorm(), in, v));
        expected.remove("batches"); // ND4J keeps no count of batches
        Map<String, float[]> got;
        try (Nd4jBatchNorm check = nd4j(s, in)) {
            switch (op) {
                case FORWARD_TRAINING -> check.forwardTraining();
                case FORWARD_INFERENCE -> check.forwardInference();
                case BACKWARD -> {
                    Map<String, float[]> fwd = BatchNormVerifier.outputs(reference.batchNorm(), in,
                            variant(BatchNormOp.FORWARD_TRAINING, fusion));
                    check.useStatistics(fwd.get("mean"), fwd.get("invstd"));
                    check.backward();
                }
            }
            got = check.outputs(op == BatchNormOp.BACKWARD);
        }
        List<Comparison> result = BatchNormVerifier.compare(in, v, expected, got);
        List<Comparison> bad = result.stream().filter(c -> !c.passed()).toList();
        if (!bad.isEmpty()) {
            throw new IllegalStateException("check against the reference failed for " + shape + " on nd4j: " + bad);
        }
        System.out.printf(java.util.Locale.ROOT, "check %s %s on nd4j: %d outputs match the reference (%.1f s); %s%n",
                shape, v.label(), result.size(), (System.nanoTime() - start) / 1e9, Nd4jConv.describe());
        nd4j = nd4j(s, BatchNormVerifier.Inputs.random(s, SEED + 1));
        nd4j.forwardTraining();
        for (int i = 0; i < 2; i++) {
            switch (op) {
                case FORWARD_TRAINING -> forwardTraining();
                case FORWARD_INFERENCE -> forwardInference();
                case BACKWARD -> backward();
            }
        }
    }

    private static Nd4jBatchNorm nd4j(BatchNormShape s, BatchNormVerifier.Inputs in) {
        return new Nd4jBatchNorm(s, in.x(), in.gamma(), in.beta(), in.dy(), in.runMean(), in.runVar());
    }

    /** Inputs as in a training step; backward gets the forward's own output and saved statistics. */
    private void allocate(BatchNormShape s, BatchNormFusion fusion) {
        int[] dims = s.dims();
        int e = Math.toIntExact(s.elements());
        RandomFill r = new RandomFill(SEED + 1);
        x = scope.tensor(r.perChannel(s.n(), s.c(), s.hw(), 3, 1), dims);
        gamma = scope.tensor(r.uniform(s.c(), 0.5, 1.5), s.c());
        beta = scope.tensor(r.normal(s.c()), s.c());
        z = fusion.hasResidual() ? scope.tensor(r.normal(e), dims) : null;
        y = scope.full(0f, dims);
        BatchNormSaved saved = new BatchNormSaved(scope.full(0f, s.c()), scope.full(0f, s.c()));
        running = scope.add(BatchNormRunningStats.create(backend.memory(), s.c()));
        dy = scope.tensor(r.normal(e), dims);
        dx = scope.full(0f, dims);
        dgamma = scope.full(0f, s.c());
        dbeta = scope.full(0f, s.c());
        dz = fusion.hasResidual() ? scope.full(0f, dims) : null;
        trainingCall = BatchNormTraining.of(y, saved, x).affine(gamma, beta).residual(z).running(running)
                .config(config);
        inferenceCall = BatchNormInference.of(y, x, running).affine(gamma, beta).residual(z).config(config);
        backwardCall = BatchNormBackward.of(dx, dy, x, saved).affine(gamma, dgamma, dbeta).forwardOutput(y)
                .residualGradient(dz).config(config);
        backend.batchNorm().forwardTraining(trainingCall);
        backend.finish();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (nd4j != null) nd4j.close();
        if (scope != null) scope.close();
        if (backend != null) backend.close();
    }

    @Benchmark
    public void forwardTraining() {
        if (nd4j != null) {
            nd4j.forwardTraining();
            return;
        }
        backend.batchNorm().forwardTraining(trainingCall);
        backend.finish();
    }

    @Benchmark
    public void forwardInference() {
        if (nd4j != null) {
            nd4j.forwardInference();
            return;
        }
        backend.batchNorm().forwardInference(inferenceCall);
        backend.finish();
    }

    @Benchmark
    public void backward() {
        if (nd4j != null) {
            nd4j.backward();
            return;
        }
        backend.batchNorm().backward(backwardCall);
        backend.finish();
    }

    static BatchNormFusion fusion(String label) {
        return Arrays.stream(BatchNormFusion.values()).filter(f -> f.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown batch norm variant '" + label + "'; known: "
                        + Arrays.stream(BatchNormFusion.values()).map(BatchNormFusion::label).toList()));
    }

    static BatchNormOp op(String jsonName) {
        return Arrays.stream(BatchNormOp.values()).filter(o -> o.jsonName.equals(jsonName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown batch norm op '" + jsonName + "'"));
    }

    /** The verify variant with this op and fusion and PyTorch's defaults (affine, tracked, momentum 0.1). */
    static BatchNormVariant variant(BatchNormOp op, BatchNormFusion fusion) {
        return Arrays.stream(BatchNormVariant.values())
                .filter(v -> v.op == op && v.fusion == fusion && v.affine && v.tracking)
                .filter(v -> v.config().equals(BatchNormConfig.DEFAULT.withFusion(fusion)))
                .findFirst().orElseThrow();
    }

    /** How the runner reads this class's results. */
    public static final BenchFamily FAMILY = new BenchFamily() {
        @Override
        public String stem() {
            return "batchnorm";
        }

        @Override
        public Class<?> benchmark() {
            return BatchNormBench.class;
        }

        @Override
        public List<String> shapes() {
            return List.of("mb32ic64ih56iw56", "mb256ic256ih14iw14", "mb128ic2048");
        }

        @Override
        public List<String> variants() {
            return Arrays.stream(BatchNormFusion.values()).map(BatchNormFusion::label).toList();
        }

        @Override
        public String op(String method) {
            return METHODS.get(method).jsonName;
        }

        /** Batch norm is bandwidth-bound: essential bytes only ({@link BatchNormShape#bytes}), no FLOP count. */
        @Override
        public Work work(String op, String shape, String variant) {
            return new Work(0, BatchNormShape.parse(shape).bytes(BatchNormBench.op(op), fusion(variant)));
        }

        @Override
        public long copyFloats(String shape) {
            return BatchNormShape.parse(shape).elements();
        }

        @Override
        public List<PythonPeer> peers() {
            return List.of(PythonPeer.TORCH_BATCHNORM);
        }

        /** clengine over every variant; with peers, ND4J on the plain variant. */
        @Override
        public List<Trials> trials(List<String> shapes, List<String> variants, boolean peers) {
            List<Trials> out = new ArrayList<>(BenchFamily.super.trials(shapes, variants, peers));
            if (peers && BenchSystems.nd4jPresent() && variants.contains(BatchNormFusion.NONE.label())) {
                out.add(new Trials(BatchNormBench.class, List.of(), Map.of("shape", shapes, "variant",
                        List.of(BatchNormFusion.NONE.label()), "system", List.of(Conv2dBench.ND4J))));
            }
            return out;
        }

        @Override
        public List<String> notes(boolean peers) {
            return peers && BenchSystems.nd4jPresent() ? List.of("nd4j: ND4J " + Nd4jConv.version() + " nd4j-native "
                    + Nd4jConv.EXTENSION.substring(1) + ": moments + batchnorm + running-statistics update "
                    + "(forward-train), batchnorm with running statistics (forward-infer), batchnorm_bp (backward), "
                    + "plain variant only, its default threads") : List.of();
        }
    };
}
