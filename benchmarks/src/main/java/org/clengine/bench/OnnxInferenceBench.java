package org.clengine.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.nn.Sequential;
import org.clengine.onnx.OnnxExport;
import org.clengine.onnx.OnnxInference;
import org.clengine.train.Models;
import org.clengine.verify.Comparison;
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
 * Inference of the {@code train} models exported to ONNX (the CNN and the ResNet, Fashion-MNIST's 1×28×28 inputs,
 * batch norm before each ReLU, evaluation mode), at batch 1 and 64, on three systems in one run:
 * <ul>
 *   <li>{@code clengine}: the exported model imported by {@link OnnxInference} on the OpenCL backend, batch norm
 *       folded into the convolutions (what {@code ./clengine onnx-run} does);</li>
 *   <li>{@code clengine-nn}: the same model's {@code nn} modules in evaluation mode on the OpenCL backend;</li>
 *   <li>{@code onnxruntime}: ONNX Runtime's CPU provider on the exported bytes, its default optimizations and
 *       threads (what a JVM user serving the model gets).</li>
 * </ul>
 * One invocation is host input → outputs back on the host, for every system alike. {@code @Setup} checks each
 * system's output against the {@code nn} model's on the benchmark's own input ({@link Tolerance#ONNX_RUNTIME}) and
 * refuses to time a wrong one, then runs it twice so that first-run compilation stays out of the warm-up.
 * Run: {@code java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main OnnxInferenceBench}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class OnnxInferenceBench {
    public static final String ORT = "onnxruntime", CLENGINE_NN = "clengine-nn";
    static final long SEED = 20261207L;

    @Param({"cnn", "resnet"})
    public String model;

    @Param({"1", "64"})
    public int batch;

    @Param({BenchSystems.CLENGINE, CLENGINE_NN, ORT})
    public String system;

    private Backend backend;
    private Sequential net;
    private OnnxInference inference;
    private Tensor input;
    private OrtEnvironment env;
    private OrtSession session;
    private float[] x;
    private long[] dims;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        backend = BenchSystems.open(BenchSystems.CLENGINE);
        net = Models.build(Models.Kind.valueOf(model.toUpperCase(java.util.Locale.ROOT)), backend, 1, 28, 28, 10,
                Models.Norm.BEFORE_RELU, SEED);
        randomizeNorms(net, new Random(SEED));
        net.eval();
        byte[] onnx = OnnxExport.toBytes(net, 1, 28, 28);
        Random r = new Random(SEED + 1);
        x = new float[batch * 28 * 28];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        dims = new long[] {batch, 1, 28, 28};
        input = backend.tensor(x, batch, 1, 28, 28);
        float[] want = net.forward(input).toArray();
        switch (system) {
            case BenchSystems.CLENGINE -> inference = OnnxInference.of(backend, onnx, true);
            case CLENGINE_NN -> { }
            case ORT -> {
                env = OrtEnvironment.getEnvironment();
                session = env.createSession(onnx, new OrtSession.SessionOptions());
            }
            default -> throw new IllegalArgumentException("unknown system '" + system + "'");
        }
        Comparison c = Comparison.of(system, want, run(), Tolerance.ONNX_RUNTIME);
        if (!c.passed()) {
            throw new IllegalStateException(model + " at batch " + batch + " on " + system + " differs from the nn "
                    + "model: " + c);
        }
        run();
    }

    @Benchmark
    public float[] infer() throws OrtException {
        return run();
    }

    private float[] run() throws OrtException {
        switch (system) {
            case BenchSystems.CLENGINE:
                return inference.run(List.of(hostInput())).get(0).floats();
            case CLENGINE_NN:
                input.copyFrom(x);
                return net.forward(input).toArray();
            default:
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
                        OrtSession.Result out = session.run(Map.of("input", in))) {
                    FloatBuffer fb = ((OnnxTensor) out.get(0)).getFloatBuffer();
                    float[] y = new float[fb.remaining()];
                    fb.get(y);
                    return y;
                }
        }
    }

    /** The input as the engine's host tensor type (a new record each run: onnx-run reads it from a file so). */
    private org.clengine.onnx.OnnxTensor hostInput() {
        return new org.clengine.onnx.OnnxTensor("input", dims, org.clengine.onnx.OnnxTensor.FLOAT, x, new long[0]);
    }

    /** Batch-norm statistics and affine terms that are not the defaults (mean 0, variance 1, gamma 1, beta 0). */
    static void randomizeNorms(Sequential net, Random r) {
        net.buffers().forEach((name, t) -> {
            float[] v = new float[t.size()];
            boolean var = name.endsWith("running_var");
            for (int i = 0; i < v.length; i++) v[i] = (float) (var ? 0.5 + r.nextDouble() : 0.2 * r.nextGaussian());
            t.copyFrom(v);
        });
        net.counters().keySet().forEach(k -> net.setCounter(k, 1));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (session != null) session.close();
        if (inference != null) inference.close();
        if (input != null) input.close();
        if (net != null) net.close();
        if (backend != null) backend.close();
    }
}
