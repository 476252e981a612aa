package org.clengine.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.pooling.Pool2dShape;
import org.clengine.pooling.PoolingOps;
import org.clengine.pooling.PoolingPolicy;
import org.clengine.pooling.PoolingVerification;
import org.clengine.pooling.opencl.PoolingOpenCl;
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
 * Max pooling's forward against a copy of its input, in one JMH run (issue 17: a profile of the exported CNN at
 * batch 64 under the ONNX importer put ~39% of the time in max pooling). The shapes are that model's two pooling
 * layers at batch 64 (mb64ic32ih28kh2, mb64ic64ih14kh2). Throughput mode: the {@code bytes} counter is bytes per
 * second, so GB/s directly. Bytes counted, x of N elements of b bytes: max forward reads x and writes y (N/4 for a
 * 2×2 window): (N + N/4)·b; the copy reads and writes x: 2·N·b. Max pooling's bytes/s over the copy's is how close
 * it runs to the bandwidth ceiling. {@code @Setup} checks max forward against the reference on the shape in the
 * dtype first and refuses to time a wrong kernel. Run by name: {@code java -cp
 * benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main PoolingBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class PoolingBench {

    @Param({"mb64ic32ih28kh2", "mb64ic64ih14kh2"})
    public String shape;

    @Param({"F32", "BF16"})
    public String dtype;

    /** The kernel family's walk (PoolingPolicy.Walk): the CPU's row kernel or the GPU's one output per item. */
    @Param({"ROWS", "ELEMENTS"})
    public String walk;

    private Backend backend;
    private PoolingOps pooling;
    private TensorScope scope;
    private Pool2dShape s;
    private Tensor x, y, copy;
    private long xBytes, yBytes;

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
        s = Pool2dShape.parse(shape);
        DType act = DType.valueOf(dtype);
        backend = BenchSystems.open(BenchSystems.CLENGINE);
        OpenClBackend cl = (OpenClBackend) backend;
        pooling = new PoolingOpenCl(cl.device(), cl.policy().pooling().withWalk(PoolingPolicy.Walk.valueOf(walk)));
        String op = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (!op.equals("copy")) check(act);
        scope = new TensorScope(backend.memory());
        x = scope.tensor(act, new RandomFill(BatchNormBench.SEED).normal(Tensor.elementCount(s.xDims())), s.xDims());
        y = scope.full(act, 0f, s.yDims());
        copy = scope.full(act, 0f, s.xDims());
        xBytes = (long) x.size() * act.bytes();
        yBytes = (long) y.size() * act.bytes();
        backend.finish();
    }

    private void check(DType act) {
        List<Comparison> bad = PoolingVerification.run(pooling, new ReferenceBackend().pooling(), s,
                PoolingVerification.Variant.MAX_FWD, BatchNormBench.SEED, act).stream().filter(c -> !c.passed())
                .toList();
        if (!bad.isEmpty()) throw new IllegalStateException("max forward " + shape + " " + act + " failed: " + bad);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (scope != null) scope.close();
        if (backend != null) backend.close();
    }

    @Benchmark
    public void maxForward(Traffic t) {
        pooling.maxForward(y, x, s.params());
        backend.finish();
        t.bytes += xBytes + yBytes;
    }

    /** The bandwidth ceiling in this dtype: elementwise copy of x (copy_float4 over its bytes). */
    @Benchmark
    public void copy(Traffic t) {
        backend.elementwise().copy(copy, x);
        backend.finish();
        t.bytes += 2 * xBytes;
    }
}
