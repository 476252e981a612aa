package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.nn.Sequential;
import org.clengine.onnx.NpyFile;
import org.clengine.onnx.OnnxExport;
import org.clengine.onnx.OnnxTensor;
import org.clengine.train.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./clengine onnx-run} on a model exported in the test: the written outputs are the model's own evaluation
 * outputs bit for bit (unfolded, reference backend); a missing or malformed file is one line and exit code 2; and
 * {@code train --export-onnx} writes a model that onnx-run runs.
 */
class OnnxRunCommandTest {
    @TempDir
    Path dir;

    static String out;
    static String err;

    static int run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(o)).setErr(new PrintWriter(e)).execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void anExportedModelRunsToTheModelsOwnOutputs() throws Exception {
        ReferenceBackend b = new ReferenceBackend();
        float[] x = new float[2 * 1 * 8 * 8];
        Random r = new Random(11);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] want;
        try (Sequential m = Models.build(Models.Kind.CNN, b, 1, 8, 8, 10, Models.Norm.AFTER_RELU, 3)) {
            OnnxExport.write(m, new int[] {1, 8, 8}, dir.resolve("m.onnx"));
            m.eval();
            try (Tensor in = b.tensor(x, 2, 1, 8, 8)) {
                want = m.forward(in).toArray();
            }
        }
        NpyFile.write(dir.resolve("x.npy"), new OnnxTensor("x", new long[] {2, 1, 8, 8}, OnnxTensor.FLOAT, x,
                new long[0]));
        assertEquals(0, run("onnx-run", "--backend", "reference", "--no-fold", dir.resolve("m.onnx").toString(),
                "--input", dir.resolve("x.npy").toString(), "--out", dir.resolve("o").toString()), err);
        assertTrue(out.contains("output 0 ") && out.contains("[2, 10]") && out.contains("arg-max per row"), out);
        OnnxTensor got = NpyFile.read(dir.resolve("o/output_0.npy"));
        assertEquals(want.length, got.size());
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got.floats()[i]), "element " + i);
        }
    }

    /** --profile prints one line per step (a fused group), named by its nodes, and their sum. */
    @Test
    void profileNamesEachStep() throws Exception {
        try (Sequential m = Models.build(Models.Kind.CNN, new ReferenceBackend(), 1, 8, 8, 10,
                Models.Norm.BEFORE_RELU, 3)) {
            OnnxExport.write(m, new int[] {1, 8, 8}, dir.resolve("m.onnx"));
        }
        float[] x = new float[64];
        Random r = new Random(12);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        NpyFile.write(dir.resolve("x.npy"), new OnnxTensor("x", new long[] {1, 1, 8, 8}, OnnxTensor.FLOAT, x,
                new long[0]));
        assertEquals(0, run("onnx-run", "--backend", "reference", "--profile", "--repeat", "2",
                dir.resolve("m.onnx").toString(), "--input", dir.resolve("x.npy").toString()), err);
        assertTrue(out.contains("profile (median of 2 run(s)") && out.contains("  0 Conv+BatchNormalization+Relu (")
                && out.contains("  7 Gemm (") && out.contains("sum of the steps"), out);
    }

    @Test
    void aMissingModelIsOneLine() throws Exception {
        NpyFile.write(dir.resolve("x.npy"), new OnnxTensor("x", new long[] {1}, OnnxTensor.FLOAT, new float[1],
                new long[0]));
        Path none = dir.resolve("none.onnx");
        assertEquals(2, run("onnx-run", "--backend", "reference", none.toString(), "--input",
                dir.resolve("x.npy").toString()), err);
        assertTrue(err.startsWith("clengine: onnx-run: ") && err.contains("none.onnx") && err.lines().count() == 1,
                err);
    }

    @Test
    void aMalformedInputIsOneLine() throws Exception {
        Files.write(dir.resolve("x.npy"), new byte[] {1, 2, 3});
        assertEquals(2, run("onnx-run", "--backend", "reference", dir.resolve("m.onnx").toString(), "--input",
                dir.resolve("x.npy").toString()), err);
        assertEquals("clengine: onnx-run: " + dir.resolve("x.npy") + ": not a .npy file (no \\x93NUMPY magic)\n",
                err);
    }

    @Test
    void trainExportsAModelThatOnnxRunRuns() throws Exception {
        TrainCommandTest.requireData();
        Path model = dir.resolve("trained.onnx");
        assertEquals(0, TrainCommandTest.run("train", "--backend", "reference", "--model", "mlp", "--limit", "64",
                "--test-limit", "32", "--epochs", "1", "--batch", "32", "--out", dir.resolve("t").toString(),
                "--export-onnx", model.toString()), TrainCommandTest.LAST_ERR);
        float[] x = new float[3 * 28 * 28];
        NpyFile.write(dir.resolve("x.npy"), new OnnxTensor("x", new long[] {3, 1, 28, 28}, OnnxTensor.FLOAT, x,
                new long[0]));
        assertEquals(0, run("onnx-run", "--backend", "reference", model.toString(), "--input",
                dir.resolve("x.npy").toString()), err);
        assertTrue(out.contains("[3, 10]"), out);
    }
}
