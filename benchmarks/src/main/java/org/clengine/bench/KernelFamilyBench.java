package org.clengine.bench;

import java.util.concurrent.TimeUnit;
import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpenClBackend;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.device.KernelFamily;
import org.clengine.pooling.Pool2dShape;
import org.clengine.sgd.SgdParams;
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
 * The small ops of the GPU kernel family (issue #13) under each family's default policy on the same device, one
 * JMH run: pooling, loss, elementwise, SGD and the depthwise forward. On a CPU device (PoCL) the GPU family is a
 * correctness run, expected slower; the CPU family's figures are the ones to hold unchanged. Results are checked by
 * the op suites (both families, CI), not here. Run:
 *
 * <pre>java -jar benchmarks/target/clengine-benchmarks.jar ... or
 * java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main KernelFamilyBench -f 1 -wi 1 -i 3</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@State(Scope.Benchmark)
public class KernelFamilyBench {
    /** A ResNet stem's max pool, its global average, an ImageNet-sized loss, a 56² activation, MobileNet's 3×3. */
    static final Pool2dShape POOL = Pool2dShape.parse("mb32ic64ih112kh3sh2ph1");
    static final Conv2dShape DEPTHWISE = Conv2dShape.parse("g64mb32ic64ih56oc64kh3ph1");
    static final int ROWS = 256, CLASSES = 1000;
    static final int[] ACTIVATION = {32, 64, 56, 56};

    @Param({"cpu", "gpu"})
    public String family;

    private OpenClBackend backend;
    private Tensor px, py, pdx, gx, gy, logits, labels, result, dlogits, a, b, y, param, buf, grad, cx, cw, cy;

    @Setup(Level.Trial)
    public void setUp() {
        Device device = Device.open();
        backend = new OpenClBackend(device, LaunchPolicy.defaults(KernelFamily.parse(family), device.info()));
        RandomFill r = new RandomFill(BatchNormBench.SEED);
        px = random(r, POOL.xDims());
        py = backend.full(Float.NaN, POOL.yDims());
        pdx = backend.full(Float.NaN, POOL.xDims());
        gx = random(r, 32, 2048, 7, 7);
        gy = backend.full(Float.NaN, 32, 2048);
        logits = random(r, ROWS, CLASSES);
        float[] l = new float[ROWS];
        for (int i = 0; i < ROWS; i++) l[i] = i % CLASSES;
        labels = backend.tensor(l, ROWS);
        result = backend.full(Float.NaN, 2);
        dlogits = backend.full(Float.NaN, ROWS, CLASSES);
        a = random(r, ACTIVATION);
        b = random(r, ACTIVATION);
        y = backend.full(Float.NaN, ACTIVATION);
        param = random(r, ACTIVATION);
        buf = backend.full(0f, ACTIVATION);
        grad = random(r, ACTIVATION);
        cx = random(r, DEPTHWISE.xDims());
        cw = random(r, DEPTHWISE.wDims());
        cy = backend.full(Float.NaN, DEPTHWISE.yDims());
    }

    private Tensor random(RandomFill r, int... dims) {
        return backend.tensor(r.normal(Tensor.elementCount(dims)), dims);
    }

    @Benchmark
    public void poolingMaxFwd() {
        backend.pooling().maxForward(py, px, POOL.params());
        backend.finish();
    }

    @Benchmark
    public void poolingMaxBwd() {
        backend.pooling().maxBackward(pdx, py, px, POOL.params());
        backend.finish();
    }

    @Benchmark
    public void poolingGlobalAvgFwd() {
        backend.pooling().globalAvgForward(gy, gx);
        backend.finish();
    }

    @Benchmark
    public void lossTrain() {
        backend.loss().softmaxCrossEntropy(result, dlogits, logits, labels);
        backend.finish();
    }

    @Benchmark
    public void elementwiseAdd() {
        backend.elementwise().add(y, a, b);
        backend.finish();
    }

    @Benchmark
    public void elementwiseCopy() {
        backend.elementwise().copy(y, a);
        backend.finish();
    }

    @Benchmark
    public void sgdMomentum() {
        backend.sgd().update(param, buf, grad, new SgdParams(1e-6f, 0.9f, 1e-4f));
        backend.finish();
    }

    @Benchmark
    public void depthwiseFwd() {
        backend.conv2d().forward(cy, cx, cw, DEPTHWISE.params());
        backend.finish();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }
}
