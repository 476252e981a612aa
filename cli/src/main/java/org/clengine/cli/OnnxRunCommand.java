package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.onnx.NpyFile;
import org.clengine.onnx.OnnxFormatException;
import org.clengine.onnx.OnnxInference;
import org.clengine.onnx.OnnxTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./clengine onnx-run}: a whole ONNX model on the engine. */
@Command(name = "onnx-run", mixinStandardHelpOptions = true,
        description = {"Runs a whole ONNX model (Conv, BatchNormalization, Relu, Sigmoid, MaxPool, AveragePool, "
                + "GlobalAveragePool, Flatten, Gemm, MatMul, Add) on the engine and prints each output's shape and "
                + "values (with the arg-max of each row of a 2-D output); --out writes them as .npy.",
            "Inputs, one per graph input in order: a .npy file of float32 in C order (numpy: np.save('x.npy', "
                + "x.astype(np.float32))) or an ONNX TensorProto (.pb, as in ONNX's test data). Batch norm is folded "
                + "into the convolution before it unless --no-fold; unfolded, a model from train --export-onnx "
                + "gives the trained model's evaluation outputs bit for bit on the same device."})
final class OnnxRunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "the model")
    Path model;

    @Option(names = "--input", arity = "1..*", required = true, paramLabel = "FILE",
            description = "input tensors: .npy (float32) or .pb (ONNX TensorProto)")
    List<Path> inputs;

    @Option(names = "--out", paramLabel = "DIR", description = "write output_<i>.npy for each graph output")
    Path out;

    @Option(names = "--no-fold", description = "keep each batch norm apart from the convolution before it")
    boolean noFold;

    @Option(names = "--repeat", defaultValue = "1", description = "runs; the time printed is the mean of those "
            + "after the first (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--profile", description = "also print where a run's time goes: each step (a fused group of "
            + "nodes) timed with a wait for the device after it, the median of --repeat runs")
    boolean profile;

    @Mixin
    BackendOptions backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1) throw new IllegalArgumentException("--repeat must be at least 1");
        List<OnnxTensor> given = new ArrayList<>();
        try {
            for (Path p : inputs) given.add(p.toString().endsWith(".npy") ? NpyFile.read(p) : OnnxTensor.read(p));
            try (Backend b = backend.open(); OnnxInference inf = OnnxInference.load(b, model, !noFold)) {
                List<OnnxTensor> outs = inf.run(given);
                long start = System.nanoTime();
                for (int i = 1; i < repeat; i++) outs = inf.run(given);
                double ms = repeat > 1 ? (System.nanoTime() - start) / 1e6 / (repeat - 1) : Double.NaN;
                report(b, outs, ms);
                if (profile) profile(b, inf, given);
            }
        } catch (IOException | OnnxFormatException e) {
            // a file that is missing or malformed is the user's to fix: one line, not a stack trace
            throw new IllegalArgumentException("onnx-run: " + e.getMessage(), e);
        }
        return 0;
    }

    private void report(Backend b, List<OnnxTensor> outs, double ms) throws IOException {
        var w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "onnx-run %s on %s (batch norm %s)%s%n", model.getFileName(), b.name(),
                noFold ? "unfolded" : "folded", Double.isNaN(ms) ? "" : String.format(Locale.ROOT, ": %.3f ms per run",
                ms));
        if (out != null) Files.createDirectories(out);
        for (int i = 0; i < outs.size(); i++) {
            OnnxTensor t = outs.get(i);
            w.printf(Locale.ROOT, "output %d '%s' %s: %s%n", i, t.name(), Arrays.toString(t.dims()), head(t.floats()));
            if (t.dims().length == 2) w.printf("  arg-max per row: %s%n", argmax(t));
            if (out != null) NpyFile.write(out.resolve("output_" + i + ".npy"), t);
        }
        if (out != null) w.printf("wrote %d output(s) to %s%n", outs.size(), out);
        w.flush();
    }

    /** Per step: median ms over --repeat runs, each step waited for; then their sum. */
    private void profile(Backend b, OnnxInference inf, List<OnnxTensor> given) {
        var w = spec.commandLine().getOut();
        List<Tensor> in = new ArrayList<>();
        try {
            for (OnnxTensor t : given) in.add(b.tensor(t.floats(), t.shape()));
            Map<String, Double> steps = inf.profile(in, repeat);
            w.printf(Locale.ROOT, "profile (median of %d run(s), a wait after each step):%n", repeat);
            steps.forEach((step, ms) -> w.printf(Locale.ROOT, "  %-64s %9.3f ms%n", step, ms));
            w.printf(Locale.ROOT, "  %-64s %9.3f ms%n", "sum of the steps",
                    steps.values().stream().mapToDouble(Double::doubleValue).sum());
        } finally {
            in.forEach(Tensor::close);
        }
        w.flush();
    }

    private static String head(float[] v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < Math.min(8, v.length); i++) s.append(i > 0 ? ", " : "").append(v[i]);
        return s.append(v.length > 8 ? ", … (" + v.length + " values)]" : "]").toString();
    }

    private static String argmax(OnnxTensor t) {
        int rows = (int) t.dims()[0], cols = (int) t.dims()[1];
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < Math.min(rows, 32); r++) {
            int best = 0;
            for (int c = 1; c < cols; c++) if (t.floats()[r * cols + c] > t.floats()[r * cols + best]) best = c;
            s.append(r > 0 ? " " : "").append(best);
        }
        return rows > 32 ? s + " …" : s.toString();
    }
}
