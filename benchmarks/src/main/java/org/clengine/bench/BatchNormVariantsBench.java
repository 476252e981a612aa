package org.clengine.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormOps;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormVariant;
import org.clengine.batchnorm.BatchNormVerifier;
import org.clengine.batchnorm.BatchRenorm;
import org.clengine.batchnorm.BatchRenormBackward;
import org.clengine.batchnorm.BatchRenormSaved;
import org.clengine.batchnorm.BatchRenormTraining;
import org.clengine.batchnorm.GhostBatchNormBackward;
import org.clengine.batchnorm.GhostBatchNormTraining;
import org.clengine.batchnorm.GhostRenormVariant;
import org.clengine.batchnorm.GhostRenormVerifier;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
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
 * Ghost batch norm and batch renormalization against plain batch norm in one JMH run (issue 14's target: ghost
 * forward training and backward within 1.1× plain at mb256ic64ih28iw28, virtual batch 32). {@code mode} is
 * {@code plain}, {@code ghost32} (virtual batches of 32) or {@code renorm} (rmax 3, dmax 5). Each invocation
 * enqueues the op and waits for it. {@code @Setup} checks the mode against the reference on the benchmark's own shape
 * first and refuses to time a wrong kernel. Not in the runner's families; run it by name:
 * {@code java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main BatchNormVariantsBench}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class BatchNormVariantsBench {
    static final BatchRenorm LIMITS = new BatchRenorm(3, 5);

    @Param({"mb256ic64ih28iw28"})
    public String shape;

    @Param({"plain", "ghost32", "renorm"})
    public String mode;

    private Backend backend;
    private TensorScope scope;
    private Runnable forward;
    private Runnable backwardOp;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        BatchNormShape s = BatchNormShape.parse(shape);
        backend = BenchSystems.open(BenchSystems.CLENGINE);
        boolean bwd = params.getBenchmark().endsWith("backward");
        check(s, bwd);
        scope = new TensorScope(backend.memory());
        allocate(s);
        for (int i = 0; i < 2; i++) (bwd ? backwardOp : forward).run();
        backend.finish();
    }

    private void check(BatchNormShape s, boolean bwd) {
        BatchNormOps ref = new ReferenceBackend().batchNorm();
        List<Comparison> result = switch (mode) {
            case "plain" -> BatchNormVerifier.run(backend.batchNorm(), ref, s, bwd ? BatchNormVariant.BWD
                    : BatchNormVariant.TRAIN, BatchNormBench.SEED);
            case "ghost32" -> GhostRenormVerifier.run(backend.batchNorm(), ref, s, bwd ? GhostRenormVariant.GHOST_BWD
                    : GhostRenormVariant.GHOST_TRAIN, 32, BatchNormBench.SEED);
            case "renorm" -> GhostRenormVerifier.run(backend.batchNorm(), ref, s, bwd
                    ? GhostRenormVariant.RENORM_BWD : GhostRenormVariant.RENORM_TRAIN, s.n(), BatchNormBench.SEED);
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "'; known: plain, ghost32, "
                    + "renorm");
        };
        List<Comparison> bad = result.stream().filter(c -> !c.passed()).toList();
        if (!bad.isEmpty()) {
            throw new IllegalStateException("check against the reference failed for " + shape + " " + mode + ": "
                    + bad);
        }
    }

    /** Inputs as in a training step; backward gets the forward's own output and saved statistics. */
    private void allocate(BatchNormShape s) {
        int[] dims = s.dims();
        int e = Math.toIntExact(s.elements());
        RandomFill r = new RandomFill(BatchNormBench.SEED + 1);
        Tensor x = scope.tensor(r.perChannel(s.n(), s.c(), s.hw(), 3, 1), dims);
        Tensor gamma = scope.tensor(r.uniform(s.c(), 0.5, 1.5), s.c());
        Tensor beta = scope.tensor(r.normal(s.c()), s.c());
        Tensor y = scope.full(0f, dims);
        int groups = mode.equals("ghost32") ? s.n() / 32 : 1;
        int[] stat = groups > 1 ? new int[] {groups, s.c()} : new int[] {s.c()};
        BatchNormSaved saved = new BatchNormSaved(scope.full(0f, stat), scope.full(0f, stat));
        BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(backend.memory(), s.c()));
        Tensor dy = scope.tensor(r.normal(e), dims);
        BatchNormTraining train = BatchNormTraining.of(y, saved, x).affine(gamma, beta).running(running);
        BatchNormBackward grad = BatchNormBackward.of(scope.full(0f, dims), dy, x, saved).affine(gamma,
                scope.full(0f, s.c()), scope.full(0f, s.c()));
        BatchNormOps ops = backend.batchNorm();
        switch (mode) {
            case "ghost32" -> {
                forward = () -> ops.forwardTrainingGhost(new GhostBatchNormTraining(train, 32));
                backwardOp = () -> ops.backwardGhost(new GhostBatchNormBackward(grad, 32));
            }
            case "renorm" -> {
                BatchRenormSaved rd = new BatchRenormSaved(scope.full(0f, s.c()), scope.full(0f, s.c()));
                forward = () -> ops.forwardTrainingRenorm(new BatchRenormTraining(train, LIMITS, rd));
                backwardOp = () -> ops.backwardRenorm(new BatchRenormBackward(grad, rd));
            }
            default -> {
                forward = () -> ops.forwardTraining(train);
                backwardOp = () -> ops.backward(grad);
            }
        }
        forward.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (scope != null) scope.close();
        if (backend != null) backend.close();
    }

    @Benchmark
    public void forwardTraining() {
        forward.run();
        backend.finish();
    }

    @Benchmark
    public void backward() {
        backwardOp.run();
        backend.finish();
    }
}
