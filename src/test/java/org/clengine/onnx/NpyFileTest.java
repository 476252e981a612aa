package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy float32 arrays: written and read back, agreed with numpy both ways, damaged files refused by name. */
class NpyFileTest {
    @Test
    void writtenArraysReadBackExactly() {
        Random r = new Random(TestBackends.seed());
        for (int[] shape : new int[][] {{7}, {2, 3}, {1, 3, 5, 5}, {}}) {
            OnnxTensor t = OnnxMatmulBroadcastTest.random("x", shape, r);
            OnnxTensor back = NpyFile.parse(NpyFile.toBytes(t), "x");
            assertArrayEquals(t.dims(), back.dims(), Arrays.toString(shape));
            assertArrayEquals(t.floats(), back.floats(), Arrays.toString(shape));
        }
    }

    @Test
    void numpyReadsOursAndWeReadNumpys(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && OnnxRuntimeCheckTest.run(python, "-c", "import numpy").exitCode()
                == 0, "SKIPPED: /usr/bin/python3 lacks numpy");
        OnnxTensor ours = OnnxOps.tensor("x", new int[] {2, 3, 4}, OnnxMatmulBroadcastTest.random("x",
                new int[] {24}, new Random(3)).floats());
        NpyFile.write(dir.resolve("ours.npy"), ours);
        String script = "import numpy as np, sys\nx = np.load(sys.argv[1] + '/ours.npy')\n"
                + "assert x.dtype == np.float32 and x.shape == (2, 3, 4), (x.dtype, x.shape)\n"
                + "np.save(sys.argv[1] + '/theirs.npy', (x * 2).astype('<f4'))\n";
        var o = OnnxRuntimeCheckTest.run(python, "-c", script, dir.toString());
        assertEquals(0, o.exitCode(), o.output());
        OnnxTensor theirs = NpyFile.read(dir.resolve("theirs.npy"));
        assertArrayEquals(ours.dims(), theirs.dims());
        for (int i = 0; i < ours.size(); i++) assertEquals(2 * ours.floats()[i], theirs.floats()[i]);
    }

    @Test
    void damagedFilesAreRefusedByName() {
        byte[] good = NpyFile.toBytes(OnnxOps.tensor("x", new int[] {2, 3}, new float[6]));
        assertRefused(Arrays.copyOf(good, good.length - 1), "needs 24 bytes of data, the file has 23");
        assertRefused(Arrays.copyOf(good, 8), "no \\x93NUMPY magic");
        byte[] longHeader = good.clone();
        longHeader[9] = 0x7f;
        assertRefused(longHeader, "runs past the end");
        assertRefused(replace(good, "<f4", "<f8"), "dtype '<f8'");
        assertRefused(replace(good, "False", "True "), "fortran_order is True");
        assertRefused(replace(good, "(2, 3)", "(2,-3)"), "shape entry '-3'");
        assertRefused(replace(good, "(2, 3)", "(2, 4)"), "needs 32 bytes");
    }

    private static void assertRefused(byte[] bytes, String message) {
        var e = assertThrows(OnnxFormatException.class, () -> NpyFile.parse(bytes, "x"));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static byte[] replace(byte[] b, String from, String to) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        assertTrue(s.contains(from));
        return s.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }
}
