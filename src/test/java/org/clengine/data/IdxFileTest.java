package org.clengine.data;

import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    /** A header whose product wrapped in long (2^64 → 0) once loaded "successfully" with no pixels. */
    @Test
    void headersAreCheckedInExactArithmeticAgainstTheData() throws IOException {
        Path wrap = write("wrap", idx(0x08, new int[] {65536, 65536, 65536, 65536}, new byte[0]), false);
        rejects("is truncated: its header declares 65536×65536×65536×65536 = 18446744073709551616 bytes of data, "
                + "the file holds 0", () -> IdxFile.read(wrap));
        Path wrapGz = write("wrap.gz", idx(0x08, new int[] {65536, 65536, 65536, 65536}, new byte[0]), true);
        rejects("18446744073709551616 bytes of data, the file holds 0", () -> IdxFile.read(wrapGz));
        Path hugeItems = write("items", idx(0x08, new int[] {0, 65536, 65536}, new byte[0]), false);
        rejects("more bytes per item than an int counts", () -> IdxFile.read(hugeItems));
        Path trailing = write("trailing", concat(idx(0x08, new int[] {2, 2}, new byte[4]), new byte[3]), false);
        rejects("has 3 bytes after the 4 bytes of data its header declares (2×2)", () -> IdxFile.read(trailing));
        Path trailingGz = write("trailing.gz", concat(idx(0x08, new int[] {2, 2}, new byte[4]), new byte[3]), true);
        rejects("has 3 bytes after the 4 bytes", () -> IdxFile.read(trailingGz));
        Path noPixels = write("empty-images", idx(0x08, new int[] {0, 28, 28}, new byte[0]), false);
        Path noLabels = write("empty-labels", idx(0x08, new int[] {0}, new byte[0]), false);
        rejects("holds 0×28×28: no pixels to learn from", () -> Dataset.fromIdx("t", noPixels, noLabels, 10));
    }

    /** gzip is decoded to its end: the CRC32 and length in its trailer are checked, trailing bytes refused. */
    @Test
    void gzipIsCheckedToItsEnd() throws IOException {
        byte[] pixels = new byte[4000];
        new java.util.Random(7).nextBytes(pixels); // incompressible: deflate stores it, so a flipped byte still inflates
        byte[] gz = Files.readAllBytes(write("ok.gz", idx(0x08, new int[] {4000}, pixels), true));
        byte[] flipped = gz.clone();
        flipped[gz.length / 2] ^= 0x10;
        rejects("is corrupt: CRC32 of the decompressed data is", () -> IdxFile.read(write("flip", flipped)));
        byte[] badLength = gz.clone();
        badLength[gz.length - 1] ^= 1;
        rejects("bytes decompressed, the gzip trailer says", () -> IdxFile.read(write("length", badLength)));
        rejects("has 2 bytes of trailing data after its gzip stream",
                () -> IdxFile.read(write("junk", concat(gz, new byte[] {1, 2}))));
        rejects("its gzip trailer (CRC32 and length) is missing",
                () -> IdxFile.read(write("cut", java.util.Arrays.copyOf(gz, gz.length - 3))));
        rejects("is truncated: its compressed data end before their end marker",
                () -> IdxFile.read(write("cut2", java.util.Arrays.copyOf(gz, gz.length / 2))));
        // a truncated gzip header once printed "clengine: null" (GZIPInputStream's EOFException has no message)
        rejects("is truncated in its gzip header", () -> IdxFile.read(write("head", java.util.Arrays.copyOf(gz, 5))));
        // two members are one valid gzip file (RFC 1952 §2.2)
        byte[] whole = idx(0x08, new int[] {4000}, pixels);
        byte[] two = concat(gzip(java.util.Arrays.copyOf(whole, 100)),
                gzip(java.util.Arrays.copyOfRange(whole, 100, whole.length)));
        assertArrayEquals(pixels, IdxFile.read(write("two", two)).data());
    }

    /** Only regular files: a FIFO once blocked the reader forever, a link to /dev/zero read until the heap was full. */
    @Test
    void onlyRegularFilesAreRead() throws Exception {
        Path zero = dir.resolve("zero");
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        var e = assertThrows(IOException.class, () -> IdxFile.read(zero));
        assertTrue(e.getMessage().contains("is a character device, not a regular file"), e.getMessage());
        Path fifo = dir.resolve("fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo failed");
        var f = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class,
                () -> IdxFile.read(fifo)));
        assertTrue(f.getMessage().contains("is a FIFO, not a regular file"), f.getMessage());
    }

    @Test
    void filesOverTheLimitAreRefusedBeforeReading() throws IOException {
        Path p = write("big", idx(0x08, new int[] {100}, new byte[100]), false);
        String old = System.setProperty("clengine.file.maxBytes", "64");
        try {
            var e = assertThrows(IOException.class, () -> IdxFile.read(p));
            assertTrue(e.getMessage().contains("is 108 bytes, more than the 64 read as an IDX file"), e.getMessage());
            Path gz = write("big.gz", idx(0x08, new int[] {100}, new byte[100]), true);
            rejects("decompresses to more than 64 bytes", () -> IdxFile.read(gz));
        } finally {
            if (old == null) System.clearProperty("clengine.file.maxBytes");
            else System.setProperty("clengine.file.maxBytes", old);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] gzip(byte[] data) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    Path write(String name, byte[] bytes) throws IOException {
        return write(name, bytes, false);
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
