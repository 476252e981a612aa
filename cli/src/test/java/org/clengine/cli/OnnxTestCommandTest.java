package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./clengine onnx-test} on paths that are not test cases: one line and exit code 2, no stack trace. */
class OnnxTestCommandTest {
    @TempDir
    Path dir;

    static String err;

    static int run(String... args) {
        StringWriter e = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(e))
                .execute(args);
        err = e.toString();
        return code;
    }

    @Test
    void aMissingPathIsOneLine() {
        Path none = dir.resolve("none");
        assertEquals(2, run("onnx-test", "--backend", "reference", none.toString()), err);
        assertEquals("clengine: onnx-test: " + none + ": no such directory\n", err);
    }

    @Test
    void aFolderWithoutCasesIsOneLine() {
        assertEquals(2, run("onnx-test", "--backend", "reference", dir.toString()), err);
        assertEquals("clengine: onnx-test: no test case (a folder with model.onnx) in [" + dir + "]\n", err);
    }
}
