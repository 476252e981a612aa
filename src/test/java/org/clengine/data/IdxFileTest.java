package org.clengine.data;

import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader on files written here: raw and gzipped alike, and every malformation a clear error. */
class IdxFileTest {
    @TempDir
    Path dir;

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.put(data).array();
    }

    Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(bytes);
        }
        return p;
    }

    @Test
    void rawAndGzipReadAlike() throws IOException {
        byte[] pixels = new byte[3 * 2 * 2];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (i * 20);
        byte[] file = idx(0x08, new int[] {3, 2, 2}, pixels);
        IdxFile raw = IdxFile.read(write("raw", file, false));
        IdxFile gz = IdxFile.read(write("x.gz", file, true));
        assertArrayEquals(new int[] {3, 2, 2}, raw.dims());
        assertArrayEquals(pixels, raw.data());
        assertArrayEquals(raw.data(), gz.data());
        assertEquals(4, raw.itemSize());
    }

    @Test
    void malformedFilesAreClearErrors() throws IOException {
        Path wrongMagic = write("a", new byte[] {8, 3, 0, 0, 1, 2, 3, 4}, false);
        rejects("is not an IDX file: it starts with 08 03 00 00", () -> IdxFile.read(wrongMagic));
        Path floats = write("b", idx(0x0d, new int[] {1}, new byte[4]), false);
        rejects("holds IDX type 0x0d; only unsigned bytes (0x08)", () -> IdxFile.read(floats));
        byte[] whole = idx(0x08, new int[] {10, 28, 28}, new byte[10 * 784]);
        Path truncated = write("c.gz", java.util.Arrays.copyOf(whole, 5000), true);
        rejects("is truncated: its header declares 10×28×28 = 7840 bytes of data, the file holds 4984",
                () -> IdxFile.read(truncated));
        Path header = write("d", java.util.Arrays.copyOf(whole, 9), false);
        rejects("is truncated in its header", () -> IdxFile.read(header));
        Path empty = write("e", new byte[0], false);
        rejects("nothing (empty file)", () -> IdxFile.read(empty));
        var missing = assertThrows(IOException.class, () -> IdxFile.read(dir.resolve("none")));
        assertTrue(missing.getMessage().contains("data file not found"), missing.getMessage());
    }

    @Test
    void datasetsCheckTheirPair() throws IOException {
        Path images = write("train-images-idx3-ubyte.gz", idx(0x08, new int[] {4, 2, 3}, new byte[24]), true);
        Path labels3 = write("l3", idx(0x08, new int[] {3}, new byte[] {1, 2, 3}), false);
        rejects("train-images-idx3-ubyte.gz has 4 images but l3 has 3 labels", () -> Dataset.fromIdx("t", images,
                labels3, 10));
        Path big = write("l4", idx(0x08, new int[] {4}, new byte[] {1, 2, 3, 12}), false);
        rejects("label 3 is 12, expected fewer than 10 classes", () -> Dataset.fromIdx("t", images, big, 10));
        rejects("images must be N×height×width", () -> Dataset.fromIdx("t", labels3, labels3, 10));
        Path labels = write("train-labels-idx1-ubyte", idx(0x08, new int[] {4}, new byte[] {0, 9, 3, 3}), false);
        Dataset d = Dataset.mnistFormat(dir, true);
        assertEquals(4, d.count());
        assertEquals(6, d.imageSize());
        assertArrayEquals(new int[] {0, 9, 3, 3}, d.labels());
        var e = assertThrows(IOException.class, () -> Dataset.mnistFormat(dir, false));
        assertTrue(e.getMessage().contains("no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz in"),
                e.getMessage());
        assertTrue(Files.exists(labels));
    }

    @Test
    void normalisationAndSeededBatches() {
        float[] px = {0, 1, 2, 3, 4, 5, 6, 7};
        Dataset d = new Dataset("d", px.clone(), new int[] {0, 1, 0, 1, 0, 1, 0, 1}, 8, 1, 1, 1, 2);
        double[] ms = d.meanStd();
        assertEquals(3.5, ms[0], 1e-12);
        assertEquals(Math.sqrt(5.25), ms[1], 1e-12);
        d.normalize(ms[0], ms[1]);
        assertEquals(0, d.meanStd()[0], 1e-7);
        Batches a = new Batches(d, 3, true), b = new Batches(d, 3, true);
        a.shuffle(5, 1);
        b.shuffle(5, 1);
        float[] ia = new float[3], ib = new float[3], la = new float[3], lb = new float[3];
        a.fill(1, ia, la);
        b.fill(1, ib, lb);
        assertArrayEquals(ia, ib, "same seed and epoch, same batch");
        assertEquals(2, a.count(), "the last partial batch is dropped");
        assertEquals(3, new Batches(d, 3, false).count());
        assertEquals(2, new Batches(d, 3, false).size(2));
    }
}
