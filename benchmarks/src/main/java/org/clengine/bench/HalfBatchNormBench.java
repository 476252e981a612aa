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
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Batch norm with F32, F16 and BF16 activations against a copy of the same tensor in the same dtype, in one JMH run
 * (issue 15's targets: 16-bit BN forward training and backward at mb32ic64ih56iw56 ≥ 0.85× the 16-bit copy's
 * bandwidth and ≥ 1.15× faster than fp32 BN on PoCL). Throughput mode: the {@code bytes} counter of each result
 * is bytes per second, so GB/s directly; {@code ops/s} gives the time (1/ops). Bytes counted, N elements of b bytes
 * each: the copy reads and writes the tensor (2·N·b); forward training reads x twice (statistics, then apply) and
 * writes y (3·N·b); backward reads dy and x twice (the sums, then dx) and writes dx (5·N·b). Statistics (a few
 * floats a channel) are not counted. Ratios to compute from the output: BN bytes/s over copy bytes/s of one dtype,
 * and the F32 op's time over the 16-bit one's. {@code @Setup} checks the op against the reference on this shape
 * in this dtype first (BatchNormVerifier, Tolerance.half) and refuses to time a wrong kernel. Run by name:
 * {@code java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main HalfBatchNormBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class HalfBatchNormBench {

    @Param({"mb32ic64ih56iw56"})
    public String shape;

    @Param({"F32", "F16", "BF16"})
    public String dtype;

    private Backend backend;
    private TensorScope scope;
    private BatchNormTraining train;
    private BatchNormBackward grad;
    private Tensor copySrc, copyDst;
    private long tensorBytes;

    /** Bytes moved, per second of the iteration (JMH divides the counter by the time). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public long bytes;

        @Setup(Level.Iteration)
        public void clear() {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        BatchNormShape s = BatchNormShape.parse(shape);
        DType act = DType.valueOf(dtype);
        backend = BenchSystems.open(BenchSystems.CLENGINE);
        String op = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (!op.equals("copy")) check(s, act, op.equals("backward") ? BatchNormVariant.BWD : BatchNormVariant.TRAIN);
        scope = new TensorScope(backend.memory());
        allocate(s, act);
        tensorBytes = s.elements() * act.bytes();
        backend.batchNorm().forwardTraining(train);
        backend.finish();
    }

    private void check(BatchNormShape s, DType act, BatchNormVariant v) {
        List<Comparison> bad = BatchNormVerifier.run(backend.batchNorm(), new ReferenceBackend().batchNorm(), s, v,
                BatchNormBench.SEED, act).stream().filter(c -> !c.passed()).toList();
        if (!bad.isEmpty()) {
            throw new IllegalStateException("check against the reference failed for " + shape + " " + act + " "
                    + v.label() + ": " + bad);
        }
    }

    /** A training step's tensors in {@code act}; statistics, gamma and beta in F32. */
    private void allocate(BatchNormShape s, DType act) {
        int[] dims = s.dims();
        RandomFill r = new RandomFill(BatchNormBench.SEED + 1);
        Tensor x = scope.tensor(act, r.perChannel(s.n(), s.c(), s.hw(), 3, 1), dims);
        Tensor gamma = scope.tensor(r.uniform(s.c(), 0.5, 1.5), s.c());
        Tensor beta = scope.tensor(r.normal(s.c()), s.c());
        BatchNormSaved saved = new BatchNormSaved(scope.full(0f, s.c()), scope.full(0f, s.c()));
        BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(backend.memory(), s.c()));
        train = BatchNormTraining.of(scope.full(act, 0f, dims), saved, x).affine(gamma, beta).running(running);
        grad = BatchNormBackward.of(scope.full(act, 0f, dims), scope.tensor(act, r.normal(x.size()), dims), x, saved)
                .affine(gamma, scope.full(0f, s.c()), scope.full(0f, s.c()));
        copySrc = x;
        copyDst = scope.full(act, 0f, dims);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (scope != null) scope.close();
        if (backend != null) backend.close();
    }

    @Benchmark
    public void forwardTraining(Traffic t) {
        backend.batchNorm().forwardTraining(train);
        backend.finish();
        t.bytes += 3 * tensorBytes;
    }

    @Benchmark
    public void backward(Traffic t) {
        BatchNormOps ops = backend.batchNorm();
        ops.backward(grad);
        backend.finish();
        t.bytes += 5 * tensorBytes;
    }

    /** The bandwidth ceiling in this dtype: elementwise copy (copy_float4 over the tensor's bytes). */
    @Benchmark
    public void copy(Traffic t) {
        backend.elementwise().copy(copyDst, copySrc);
        backend.finish();
        t.bytes += 2 * tensorBytes;
    }
}
