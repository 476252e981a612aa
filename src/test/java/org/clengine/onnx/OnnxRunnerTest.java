package org.clengine.onnx;

import static org.clengine.onnx.OnnxWriter.model;
import static org.clengine.onnx.OnnxWriter.node;
import static org.clengine.onnx.OnnxWriter.tensor;
import static org.clengine.onnx.OnnxWriter.testCase;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.onnx.OnnxWriter.Message;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-test runner: what it compares, what it writes, and the files it refuses. */
class OnnxRunnerTest {
    static final float INF = Float.POSITIVE_INFINITY, NAN = Float.NaN;

    @TempDir
    Path dir;

    static byte[] relu(String... outputs) {
        List<Message> nodes = java.util.Arrays.stream(outputs).map(o -> node("Relu", "", List.of("x"), List.of(o)))
                .toList();
        return model(nodes, List.of("x"), List.of(outputs), List.of());
    }

    static Message t(String name, float... v) {
        return tensor(name, new long[] {v.length}, v);
    }

    /** An expected ∞ that comes out ∞ once failed (∞ − ∞ is NaN); NaN where NaN is expected passes too. */
    @Test
    void infinitiesAndNansCompareByValue() throws IOException {
        Path c = testCase(dir.resolve("inf"), relu("y"), List.of(t("x", INF, -INF, NAN, 1)),
                List.of(t("y", INF, 0, NAN, 1)));
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            OnnxTestRunner.Result r = OnnxTestRunner.run(b, c, null);
            assertEquals(OnnxTestRunner.Status.PASS, r.status(), r + " on " + b.name());
            assertEquals(0, r.maxAbs(), r.toString());
        }
        assertTrue(OnnxTestRunner.close(INF, INF));
        assertTrue(OnnxTestRunner.close(NAN, NAN));
        assertFalse(OnnxTestRunner.close(INF, -INF));
        assertFalse(OnnxTestRunner.close(INF, Float.MAX_VALUE));
        assertFalse(OnnxTestRunner.close(NAN, 1));
        assertFalse(OnnxTestRunner.close(1, NAN));
        Path wrong = testCase(dir.resolve("wrong"), relu("y"), List.of(t("x", INF)), List.of(t("y", -INF)));
        assertEquals(OnnxTestRunner.Status.FAIL, OnnxTestRunner.run(TestBackends.REFERENCE, wrong, null).status());
    }

    /** --out holds every output of a case, those after a failing one included. */
    @Test
    void everyOutputIsWrittenEvenAfterAFailure() throws IOException {
        Path c = testCase(dir.resolve("two"), relu("y0", "y1"), List.of(t("x", 1, -2)),
                List.of(t("y0", 5, 5), t("y1", 1, 0)));
        Path out = dir.resolve("out");
        OnnxTestRunner.Result r = OnnxTestRunner.run(TestBackends.REFERENCE, c, out);
        assertEquals(OnnxTestRunner.Status.FAIL, r.status());
        assertTrue(r.detail().startsWith("output 0: element 0: got 1.0, expected 5.0"), r.detail());
        assertArrayEquals(new float[] {1, 0}, OnnxTensor.read(out.resolve("two/output_0.pb")).floats());
        assertArrayEquals(new float[] {1, 0}, OnnxTensor.read(out.resolve("two/output_1.pb")).floats());
    }

    /** A FIFO as an input once hung the runner forever; a link to /dev/zero read until the heap was full. */
    @Test
    void specialFilesAreRefusedAtOnce() throws Exception {
        Path zero = testCase(dir.resolve("zero"), relu("y"), List.of(), List.of(t("y", 0)));
        Files.createSymbolicLink(zero.resolve("test_data_set_0/input_0.pb"), Path.of("/dev/zero"));
        OnnxTestRunner.Result z = OnnxTestRunner.run(TestBackends.REFERENCE, zero, null);
        assertTrue(z.detail().contains("input_0.pb is a character device, not a regular file: only a regular file "
                + "is read as an ONNX tensor"), z.toString());
        Path fifo = testCase(dir.resolve("fifo"), relu("y"), List.of(), List.of(t("y", 0)));
        Path input = fifo.resolve("test_data_set_0/input_0.pb");
        assumeTrue(new ProcessBuilder("mkfifo", input.toString()).start().waitFor() == 0, "mkfifo failed");
        OnnxTestRunner.Result f = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> OnnxTestRunner.run(TestBackends.REFERENCE, fifo, null));
        assertTrue(f.detail().contains("input_0.pb is a FIFO, not a regular file"), f.toString());
        Path model = dir.resolve("fifo-model");
        Files.createDirectories(model);
        assumeTrue(new ProcessBuilder("mkfifo", model.resolve("model.onnx").toString()).start().waitFor() == 0);
        var e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class,
                () -> OnnxModel.read(model.resolve("model.onnx"))));
        assertTrue(e.getMessage().contains("is a FIFO"), e.getMessage());
    }

    @Test
    void aMissingPathIsOneClearError() {
        var e = assertThrows(NoSuchFileException.class, () -> OnnxTestRunner.cases(dir.resolve("none")));
        assertEquals(dir.resolve("none") + ": no such directory", e.getMessage());
    }

    /** What the reader refuses names the file. */
    @Test
    void damagedFilesAreNamed() throws IOException {
        Path c = testCase(dir.resolve("cut"), relu("y"), List.of(t("x", 1)), List.of(t("y", 1)));
        byte[] m = Files.readAllBytes(c.resolve("model.onnx"));
        Files.write(c.resolve("model.onnx"), java.util.Arrays.copyOf(m, m.length - 3));
        OnnxTestRunner.Result r = OnnxTestRunner.run(TestBackends.REFERENCE, c, null);
        assertTrue(r.detail().startsWith("OnnxFormatException: " + c.resolve("model.onnx") + ": length"), r.detail());
    }
}
