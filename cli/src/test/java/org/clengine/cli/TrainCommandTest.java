package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.clengine.backend.ReferenceBackend;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.core.Tensor;
import org.clengine.nn.BatchNorm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./clengine train} in-process on slices of Fashion-MNIST (Debian's dataset-fashion-mnist; skipped with a
 * message when it is missing, failed under CI=true, where the launcher installs it): the run learns, the same seed
 * gives the same curves, every output file is written, and bad flags are one-line errors.
 */
class TrainCommandTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    static void requireData() {
        boolean present = Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + DATA + " is missing; apt-get install dataset-fashion-mnist");
        }
        assumeTrue(present, "SKIPPED: no " + DATA + " (apt-get install dataset-fashion-mnist); train tests not run");
    }

    static int run(String... args) {
        StringWriter err = new StringWriter();
        String[] quiet = java.util.Arrays.copyOf(args, args.length + 1);
        quiet[args.length] = "--quiet";
        int code = Main.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                .execute(args.length > 0 && args[0].equals("train") ? quiet : args);
        LAST_ERR = err.toString();
        return code;
    }

    static String LAST_ERR = "";

    /** 2,048 images, two epochs of the MLP with batch norm: the loss must fall by half and the test set pass 75%. */
    @Test
    void aShortRunLearns() throws IOException {
        requireData();
        OpenClRequired.check();
        Path out = dir.resolve("learn");
        assertEquals(0, run("train", "--model", "mlp", "--limit", "2048", "--test-limit", "1000", "--epochs", "2",
                "--batch", "64", "--seed", "5", "--out", out.toString()), LAST_ERR);
        List<String> steps = Files.readAllLines(out.resolve("steps.csv"));
        double first = meanLoss(steps.subList(1, 6)), last = meanLoss(steps.subList(steps.size() - 10, steps.size()));
        assertTrue(last < first / 2, "loss fell from " + first + " to " + last);
        String[] epoch2 = Files.readAllLines(out.resolve("epochs.csv")).get(2).split(",");
        assertTrue(Double.parseDouble(epoch2[4]) > 0.75, "test accuracy " + epoch2[4]);
        for (String f : List.of("epochs.csv", "steps.csv", "curves.png", "model.safetensors")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }

    /**
     * --precision bf16 and fp16 (16-bit activations, fp32 master weights): the CNN (max pooling, 16-bit loss) learns
     * as in fp32, and fp16's summary reports the loss scaler's skipped steps.
     */
    @Test
    void sixteenBitPrecisionsLearn() throws IOException {
        requireData();
        OpenClRequired.check();
        for (String precision : List.of("bf16", "fp16")) {
            Path out = dir.resolve(precision);
            StringWriter log = new StringWriter();
            int code = Main.commandLine().setOut(new PrintWriter(log)).setErr(new PrintWriter(new StringWriter()))
                    .execute("train", "--model", "cnn", "--limit", "2048", "--test-limit", "1000", "--epochs", "2",
                            "--batch", "64", "--seed", "5", "--precision", precision, "--quiet", "--out",
                            out.toString());
            assertEquals(0, code, log.toString());
            assertTrue(log.toString().contains("precision " + precision), log.toString());
            assertEquals(precision.equals("fp16"), log.toString().contains("loss scaling: "), log.toString());
            String[] epoch2 = Files.readAllLines(out.resolve("epochs.csv")).get(2).split(",");
            assertTrue(Double.parseDouble(epoch2[4]) > 0.75, precision + " test accuracy " + epoch2[4]);
        }
        assertEquals(2, run("train", "--precision", "fp8"), "an unknown precision is a usage error");
    }

    /**
     * The saved model loads into a fresh one of the same architecture, from safetensors (the default) and from
     * .clstate; off a terminal the progress is whole lines, one per few percent, and no carriage return.
     */
    @Test
    void savedModelsLoadAndProgressIsLines() throws IOException {
        requireData();
        String mode = System.getProperty("clengine.progress");
        System.setProperty("clengine.progress", "lines");
        try {
            trainAndLoad();
        } finally {
            if (mode == null) System.clearProperty("clengine.progress");
            else System.setProperty("clengine.progress", mode);
        }
    }

    private void trainAndLoad() throws IOException {
        for (String format : List.of("safetensors", "clstate")) {
            Path out = dir.resolve(format);
            StringWriter log = new StringWriter();
            int code = Main.commandLine().setOut(new PrintWriter(log)).setErr(new PrintWriter(new StringWriter()))
                    .execute("train", "--backend", "reference", "--model", "mlp", "--limit", "640", "--test-limit",
                            "32", "--epochs", "1", "--batch", "32", "--seed", "3", "--state-format", format,
                            "--out", out.toString());
            assertEquals(0, code, log.toString());
            Path state = out.resolve("model." + format);
            try (var b = new org.clengine.backend.ReferenceBackend();
                    var m = org.clengine.train.Models.build(org.clengine.train.Models.Kind.MLP, b, 1, 28, 28, 10,
                            org.clengine.train.Models.Norm.BEFORE_RELU, 99)) {
                org.clengine.nn.ModelFiles.load(m, state);
                assertEquals(20L, m.counters().get("2.num_batches_tracked"), format);
            }
            assertTrue(!log.toString().contains("\r") && log.toString().contains("epoch 1/1 100% 20/20 steps"),
                    log.toString());
            long progressLines = log.toString().lines().filter(l -> l.matches("epoch 1/1 +\\d+% .*")).count();
            assertEquals(20, progressLines, log.toString());
        }
    }

    /** The same seed on the same device: identical steps and identical epoch losses and accuracies. */
    @Test
    void sameSeedSameCurves() throws IOException {
        requireData();
        OpenClRequired.check();
        for (String model : List.of("cnn")) {
            String[] a = {"train", "--model", model, "--limit", "96", "--test-limit", "50", "--epochs", "2",
                "--batch", "32", "--seed", "9", "--out", dir.resolve(model + "1").toString()};
            assertEquals(0, run(a), LAST_ERR);
            a[a.length - 1] = dir.resolve(model + "2").toString();
            assertEquals(0, run(a), LAST_ERR);
            assertEquals(Files.readAllLines(dir.resolve(model + "1/steps.csv")),
                    Files.readAllLines(dir.resolve(model + "2/steps.csv")), model);
            assertEquals(curves(dir.resolve(model + "1/epochs.csv")), curves(dir.resolve(model + "2/epochs.csv")));
        }
    }

    /** The reference backend runs the same command (slowly: a tiny slice). */
    @Test
    void referenceBackendRuns() {
        requireData();
        assertEquals(0, run("train", "--backend", "reference", "--model", "mlp", "--no-bn", "--limit", "64",
                "--test-limit", "32", "--epochs", "1", "--batch", "32", "--out", dir.resolve("ref").toString()),
                LAST_ERR);
    }

    /** --bn-skip-nonfinite puts every batch norm under SKIP; the summary reports the policy and the skips. */
    @Test
    void skipPolicyIsReportedInTheSummary() {
        requireData();
        StringWriter out = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
                .execute("train", "--backend", "reference", "--model", "mlp", "--bn-skip-nonfinite", "--limit", "64",
                        "--test-limit", "32", "--epochs", "1", "--batch", "32", "--quiet", "--out",
                        dir.resolve("skip").toString());
        assertEquals(0, code, out.toString());
        assertTrue(out.toString().contains("batch norm running statistics (policy skip, "), out.toString());
        assertTrue(out.toString().contains(": 0 channel updates skipped"), out.toString());
    }

    /** A layer that skipped is named with its count. */
    @Test
    void summaryNamesTheLayersThatSkipped() {
        try (ReferenceBackend b = new ReferenceBackend(); BatchNorm bn = BatchNorm.batchNorm1d(b, 2);
                Tensor x = b.tensor(new float[] {1, Float.NaN, 2, 3, 4, 5}, 3, 2)) {
            bn.runningUpdate(RunningUpdatePolicy.SKIP);
            bn.train();
            bn.forward(x);
            assertEquals("batch norm running statistics (policy skip, 1 layers): 1 channel updates skipped (3.bn: 1)",
                    TrainReport.batchNormLine(Map.of("3.bn", bn)));
        }
    }

    /** A truncated gzip header once printed "clengine: null". */
    @Test
    void damagedDataIsOneLine() throws IOException {
        Path data = Files.createDirectories(dir.resolve("damaged"));
        byte[] gz = {0x1f, (byte) 0x8b, 8, 0, 0};
        for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")) {
            Files.write(data.resolve(f), gz);
        }
        assertEquals(2, run("train", "--backend", "reference", "--data", data.toString()), LAST_ERR);
        assertEquals("clengine: " + data.resolve("train-images-idx3-ubyte.gz") + " is truncated in its gzip header"
                + System.lineSeparator(), LAST_ERR);
    }

    @Test
    void badFlagsAreOneLineErrors() {
        assertEquals(2, run("train", "--no-bn", "--bn-after-relu"));
        assertTrue(LAST_ERR.contains("--no-bn and --bn-after-relu exclude each other"), LAST_ERR);
        assertEquals(2, run("train", "--precision", "fp16", "--model", "mlp", "--devices", "2"));
        assertTrue(LAST_ERR.contains("--precision fp16 runs on one device"), LAST_ERR);
        assertEquals(2, run("train", "--data", dir.resolve("nowhere").toString()));
        assertTrue(LAST_ERR.contains("no train-images-idx3-ubyte or train-images-idx3-ubyte.gz in"), LAST_ERR);
        assertTrue(LAST_ERR.strip().lines().count() == 1, LAST_ERR);
        requireData();
        assertEquals(2, run("train", "--model", "resnet", "--bn-after-relu", "--limit", "64", "--backend",
                "reference"));
        assertTrue(LAST_ERR.contains("the resnet model puts batch norm before the ReLU only"), LAST_ERR);
    }

    private static double meanLoss(List<String> rows) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.split(",")[2])).average().orElseThrow();
    }

    /** epochs.csv without its timing columns (images/s, seconds). */
    private static List<String> curves(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(l -> {
            String[] c = l.split(",");
            return String.join(",", c[0], c[1], c[2], c[3], c[4], c[7]);
        }).toList();
    }
}
