package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.nn.Module;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every exported model loads in ONNX Runtime (CPU provider, its default optimizations) and gives the engine's
 * evaluation-mode outputs, on both backends, within {@link Tolerance#ONNX_RUNTIME} (1e-5 relative L2); and, where
 * /usr/bin/python3 has the onnx package, passes {@code onnx.checker.check_model(full_check=True)}.
 */
class OnnxRuntimeCheckTest {
    static List<org.junit.jupiter.params.provider.Arguments> cases() {
        return OnnxRoundTripTest.cases().toList();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void onnxRuntimeGivesTheEnginesOutputs(String name, String which) throws OrtException {
        Backend b = OnnxRoundTripTest.backend(which);
        ExportModels.Spec spec = ExportModels.all().get(name);
        long seed = TestBackends.seed();
        Random r = new Random(seed);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Module model = ExportModels.randomizeNorms(spec.build().apply(b), seed);
                OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(OnnxExport.toBytes(model, spec.sample()), options)) {
            assertEquals(List.of("input"), new ArrayList<>(session.getInputNames()), name + ": graph inputs");
            for (int batch : new int[] {1, 6}) {
                int[] shape = ExportModels.batchShape(batch, spec.sample());
                float[] x = ExportModels.values(r, Tensor.elementCount(shape), -2, 2);
                float[] want = ExportModels.evalOutput(model, x, shape);
                float[] got = ort(env, session, x, shape);
                Comparison c = Comparison.of(name, want, got, Tolerance.ONNX_RUNTIME);
                assertTrue(c.passed(), name + " on " + b.name() + ", batch " + batch + ", seed " + seed + ": " + c);
            }
        }
    }

    /** ONNX Runtime's output for one input of {@code shape}. */
    static float[] ort(OrtEnvironment env, OrtSession session, float[] x, int[] shape) throws OrtException {
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        try (ai.onnxruntime.OnnxTensor in = ai.onnxruntime.OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
                OrtSession.Result result = session.run(Map.of("input", in))) {
            ai.onnxruntime.OnnxTensor out = (ai.onnxruntime.OnnxTensor) result.get(0);
            assertEquals(shape[0], out.getInfo().getShape()[0], "batch dimension of the output");
            FloatBuffer fb = out.getFloatBuffer();
            float[] values = new float[fb.remaining()];
            fb.get(values);
            return values;
        }
    }

    @Test
    void everyExportedModelPassesOnnxsOwnChecker(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "SKIPPED: /usr/bin/python3 is absent; onnx.checker not run");
        assumeTrue(run(python, "-c", "import onnx.checker").exitCode == 0, "SKIPPED: python3 has no onnx package "
                + "(apt-get install python3-onnx); onnx.checker not run");
        List<String> files = new ArrayList<>();
        for (var e : ExportModels.all().entrySet()) {
            try (Module model = e.getValue().build().apply(TestBackends.REFERENCE)) {
                Path f = dir.resolve(e.getKey() + ".onnx");
                OnnxExport.write(model, e.getValue().sample(), f);
                files.add(f.toString());
            }
        }
        String script = "import onnx, sys\nfor f in sys.argv[1:]:\n    m = onnx.load(f)\n"
                + "    onnx.checker.check_model(m, full_check=True)\n    print(m.opset_import[0].version)\n";
        List<String> args = new ArrayList<>(List.of("-c", script));
        args.addAll(files);
        Outcome o = run(python, args.toArray(String[]::new));
        assertEquals(0, o.exitCode, o.output);
        String[] opsets = o.output.trim().split("\\s+");
        String[] thirteen = new String[files.size()];
        Arrays.fill(thirteen, "13");
        assertArrayEquals(thirteen, opsets, o.output);
    }

    record Outcome(int exitCode, String output) {
    }

    static Outcome run(Path python, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python3 did not finish in 120 s");
        }
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
