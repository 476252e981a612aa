package org.clengine.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.clengine.backend.Backend;

/**
 * Runs ONNX backend node-test directories ({@code model.onnx} plus {@code test_data_set_K/input_I.pb} and
 * {@code output_I.pb}) through a backend. Outputs pass when |got − expected| ≤ atol + rtol·|expected| for every
 * element, with ONNX's own backend-test defaults rtol = 1e-3, atol = 1e-7. A node whose operator or attributes
 * the engine lacks makes the case SKIPPED with the reason, never a crash.
 */
public final class OnnxTestRunner {
    public static final double RTOL = 1e-3;
    public static final double ATOL = 1e-7;

    public enum Status { PASS, FAIL, SKIPPED }

    public record Result(String name, Status status, double maxAbs, double maxRel, String detail) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-58s %-7s %s", name, status, status == Status.SKIPPED ? detail
                    : String.format(Locale.ROOT, "max abs %.3e  max rel %.3e%s", maxAbs, maxRel,
                    detail.isEmpty() ? "" : "  " + detail));
        }
    }

    private OnnxTestRunner() {
    }

    /** The test directories under {@code path}: itself if it holds model.onnx, else its subdirectories that do. */
    public static List<Path> cases(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(path.toString(), null, Files.exists(path) ? "not a directory" : "no such "
                    + "directory");
        }
        if (Files.isRegularFile(path.resolve("model.onnx"))) return List.of(path);
        try (Stream<Path> s = Files.list(path)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
        }
    }

    /** Runs every data set of one case; {@code out} (may be null) receives the produced outputs. */
    public static Result run(Backend b, Path dir, Path out) {
        String name = dir.getFileName().toString();
        try {
            OnnxModel model = OnnxModel.read(dir.resolve("model.onnx"));
            if (!model.nonTensors().isEmpty()) {
                return new Result(name, Status.SKIPPED, 0, 0, "graph values " + model.nonTensors()
                        + " are sequences, maps or optionals, not tensors");
            }
            List<Path> sets;
            try (Stream<Path> s = Files.list(dir)) {
                sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
            }
            double maxAbs = 0, maxRel = 0;
            String failure = null;
            for (Path set : sets) {
                Map<String, OnnxTensor> values = inputs(model, set);
                String skip = execute(b, model, values);
                if (skip != null) return new Result(name, Status.SKIPPED, 0, 0, skip);
                // every output is written and compared, so --out holds them all even when an earlier one fails
                for (int i = 0; i < model.outputs().size(); i++) {
                    OnnxTensor got = values.get(model.outputs().get(i));
                    if (out != null && got != null) write(out.resolve(name).resolve("output_" + i + ".pb"), got);
                    OnnxTensor expected = OnnxTensor.read(set.resolve("output_" + i + ".pb"));
                    String bad = compare(expected, got);
                    double[] err = errors(expected, got);
                    maxAbs = Math.max(maxAbs, err[0]);
                    maxRel = Math.max(maxRel, err[1]);
                    if (bad != null && failure == null) failure = "output " + i + ": " + bad;
                }
            }
            return failure == null ? new Result(name, Status.PASS, maxAbs, maxRel, "")
                    : new Result(name, Status.FAIL, maxAbs, maxRel, failure);
        } catch (UnsupportedTypeException e) {
            return new Result(name, Status.SKIPPED, 0, 0, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Result(name, Status.FAIL, Double.NaN, Double.NaN, e.getClass().getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    /** The initializers, and input_I.pb of the data set for each graph input that is not one, in order. */
    private static Map<String, OnnxTensor> inputs(OnnxModel model, Path set) throws IOException {
        Map<String, OnnxTensor> values = new HashMap<>(model.initializers());
        List<String> free = model.inputs().stream().filter(i -> !model.initializers().containsKey(i)).toList();
        for (int i = 0; ; i++) {
            Path f = set.resolve("input_" + i + ".pb");
            if (!Files.exists(f)) return values;
            if (i >= free.size()) throw new OnnxFormatException(f + " has no graph input to feed");
            values.put(free.get(i), OnnxTensor.read(f));
        }
    }

    /**
     * Runs the nodes in order; returns why the model cannot run, or null. A malformed node throws
     * {@link OnnxFormatException} naming it; an argument the engine's ops refuse is reported the same way.
     */
    static String execute(Backend b, OnnxModel model, Map<String, OnnxTensor> values) {
        for (OnnxModel.Node n : model.nodes()) {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) return "operator domain " + n.domain();
            OnnxOps.Op op = OnnxOps.ALL.get(n.opType());
            if (op == null) return "operator " + n.opType() + " is not in the engine";
            String why = check(n, op, values);
            if (why != null) return why;
            try {
                why = op.unsupported(n, values);
                if (why != null) return why;
                for (OnnxTensor t : op.run(b, n, values)) values.put(t.name(), t);
            } catch (IllegalArgumentException e) {
                throw n.error(e.getMessage());
            }
        }
        return null;
    }

    /** The node's inputs and outputs against what its operator takes: an error, a reason to skip, or null. */
    private static String check(OnnxModel.Node n, OnnxOps.Op op, Map<String, OnnxTensor> values) {
        if (n.inputs().size() > op.maxInputs()) {
            throw n.error("has " + n.inputs().size() + " inputs; " + n.opType() + " takes at most " + op.maxInputs());
        }
        for (int k = 0; k < op.minInputs(); k++) {
            if (n.input(k) == null) throw n.error("lacks input " + k + "; " + n.opType() + " needs " + op.minInputs());
        }
        if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) throw n.error("names no output");
        for (String in : n.inputs()) {
            if (in.isEmpty()) continue;
            OnnxTensor t = values.get(in);
            if (t == null) return "input " + in + " of " + n.describe() + " is missing";
            if (t.size() == 0) {
                return "input " + in + " of " + n.describe() + " is empty, " + java.util.Arrays.toString(t.dims())
                        + " (the engine's tensors have no zero dimension)";
            }
        }
        return null;
    }

    private static String compare(OnnxTensor expected, OnnxTensor got) {
        if (got == null) return "not produced";
        if (!java.util.Arrays.equals(expected.dims(), got.dims())) {
            return "shape " + java.util.Arrays.toString(got.dims()) + ", expected "
                    + java.util.Arrays.toString(expected.dims());
        }
        float[] e = expected.floats(), g = got.floats();
        for (int i = 0; i < e.length; i++) {
            if (!close(e[i], g[i])) return "element " + i + ": got " + g[i] + ", expected " + e[i];
        }
        return null;
    }

    /**
     * Within atol + rtol·|expected|; an infinity matches only the same infinity (∞ − ∞ is NaN, which once failed a
     * correct ∞), and NaN matches only NaN.
     */
    static boolean close(float expected, float got) {
        if (Float.isNaN(expected) || Float.isNaN(got)) return Float.isNaN(expected) && Float.isNaN(got);
        if (Float.isInfinite(expected) || Float.isInfinite(got)) return expected == got;
        return Math.abs((double) got - expected) <= ATOL + RTOL * Math.abs(expected);
    }

    private static double[] errors(OnnxTensor expected, OnnxTensor got) {
        double maxAbs = 0, maxRel = 0;
        if (got == null || got.size() != expected.size()) return new double[] {Double.NaN, Double.NaN};
        for (int i = 0; i < expected.size(); i++) {
            float e = expected.floats()[i], g = got.floats()[i];
            if (e == g || (Float.isNaN(e) && Float.isNaN(g))) continue; // matching NaNs and infinities: no error
            double d = Math.abs((double) g - e);
            maxAbs = Math.max(maxAbs, d);
            if (expected.floats()[i] != 0) maxRel = Math.max(maxRel, d / Math.abs(expected.floats()[i]));
        }
        return new double[] {maxAbs, maxRel};
    }

    private static void write(Path file, OnnxTensor t) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, t.toProto());
    }

    /** Every case under every path, in order. */
    public static List<Result> runAll(Backend b, List<Path> paths, Path out) throws IOException {
        List<Result> results = new ArrayList<>();
        for (Path p : paths) for (Path c : cases(p)) results.add(run(b, c, out));
        return results;
    }
}
