package org.clengine.bench;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.conv2d.Conv2dVerifier;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulCase;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.MatmulTypes;
import org.clengine.matmul.MatmulVerifier;
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

/**
 * GEMM and one 3×3 convolution forward with their inputs (and outputs) stored as F32, BF16 or F16, in one run so the
 * three compare on one machine at one time (issue 15's target: BF16 no slower than F32 on PoCL, the conversion hidden
 * behind the FMAs). GEMM problems: C = A·B at m1024n1024k1024 and the ResNet-like m576n3136k64 (packed A and B)
 * and m64n3136k576 (few rows: B is read in place, widened in the inner loop); C has the inputs' dtype. The convolution: mb8ic64ih56iw56oc64kh3kw3ph1 forward (im2col + GEMM), y in the inputs' dtype.
 *
 * <p>{@code @Setup} checks first against the double reference on a cut problem (M at most 64; the layer at batch
 * 1) with the same dtypes, then runs the full problem twice (PoCL specialises on first use). Each invocation is the
 * whole op plus {@code finish()}. Run alone:
 * {@code java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main HalfGemmBench}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class HalfGemmBench {
    static final long SEED = BatchNormBench.SEED;

    @Param({"m1024n1024k1024", "m576n3136k64", "m64n3136k576", "mb8ic64ih56iw56oc64kh3kw3ph1"})
    public String problem;

    @Param({"f32", "bf16", "f16"})
    public String dtype;

    private Backend backend;
    private TensorScope scope;
    private Runnable op;

    @Setup(Level.Trial)
    public void setUp() {
        DType t = DType.valueOf(dtype.toUpperCase(Locale.ROOT));
        backend = BenchSystems.open(BenchSystems.CLENGINE);
        scope = new TensorScope(backend.memory());
        op = problem.startsWith("mb") ? conv(t, Conv2dShape.parse(problem)) : gemm(t, MatmulShape.parse(problem));
        op.run();
        op.run();
    }

    private Runnable gemm(DType t, MatmulShape s) {
        MatmulShape cut = MatmulShape.of(Math.min(64, s.m()), s.n(), s.k());
        Comparison c = MatmulVerifier.run(backend.matmul(), new ReferenceBackend().matmul(),
                MatmulCase.of(cut, MatmulParams.DEFAULT).withTypes(new MatmulTypes(t, t)), SEED);
        require(c.passed(), "GEMM " + cut + " " + t + ": " + c);
        Memory m = backend.memory();
        RandomFill r = new RandomFill(SEED + 1);
        Tensor a = scope.add(m.tensor(t, r.normal(s.m() * s.k()), s.m() * s.k()));
        Tensor b = scope.add(m.tensor(t, r.normal(s.k() * s.n()), s.k() * s.n()));
        Tensor out = scope.add(m.full(t, 0, s.m() * s.n()));
        Gemm call = Gemm.of(out, a, b, s);
        return () -> {
            backend.matmul().gemm(call);
            m.finish();
        };
    }

    private Runnable conv(DType t, Conv2dShape s) {
        Conv2dShape one = new Conv2dShape(1, s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.params());
        List<Comparison> c = Conv2dVerifier.run(backend.conv2d(), new ReferenceBackend().conv2d(), one,
                Conv2dVerifier.Variant.FWD, t, SEED);
        require(c.stream().allMatch(Comparison::passed), "conv2d " + one + " " + t + ": " + c);
        Memory m = backend.memory();
        RandomFill r = new RandomFill(SEED + 1);
        Tensor x = scope.add(m.tensor(t, r.normal(Tensor.elementCount(s.xDims())), s.xDims()));
        Tensor w = scope.add(m.tensor(t, r.normal(Tensor.elementCount(s.wDims())), s.wDims()));
        Tensor y = scope.add(m.full(t, 0, s.yDims()));
        return () -> {
            backend.conv2d().forward(y, x, w, s.params());
            m.finish();
        };
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("check against the reference failed: " + what);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (scope != null) scope.close();
        if (backend != null) backend.close();
    }

    @Benchmark
    public void run() {
        op.run();
    }
}
