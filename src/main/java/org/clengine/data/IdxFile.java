package org.clengine.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST format), gzipped or raw: magic 0x00 0x00, a type byte (0x08 = unsigned byte, the only
 * type read here), the number of dimensions, each dimension as a big-endian int32, then the data in row-major
 * order. Gzip is recognised by its own magic (0x1f 0x8b), not by the file name.
 *
 * @param dims dimensions, the first being the item count
 * @param data the unsigned bytes
 */
public record IdxFile(Path path, int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    public int count() {
        return dims[0];
    }

    /** Bytes per item: the product of the dimensions after the first. */
    public int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) n *= dims[i];
        return n;
    }

    public static IdxFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("data file not found: " + path);
        try (InputStream in = open(path)) {
            byte[] head = in.readNBytes(4);
            if (head.length < 4 || head[0] != 0 || head[1] != 0) {
                throw new IdxFormatException(path + " is not an IDX file: it starts with " + hex(head)
                        + ", IDX files start with 00 00, a type byte and the number of dimensions");
            }
            if (head[2] != UNSIGNED_BYTE) {
                throw new IdxFormatException(path + " holds IDX type 0x" + String.format("%02x", head[2])
                        + "; only unsigned bytes (0x08), as MNIST uses, are read");
            }
            int rank = head[3] & 0xff;
            if (rank < 1) throw new IdxFormatException(path + " declares 0 dimensions");
            byte[] dimBytes = in.readNBytes(4 * rank);
            if (dimBytes.length < 4 * rank) throw new IdxFormatException(path + " is truncated in its header");
            ByteBuffer b = ByteBuffer.wrap(dimBytes);
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = b.getInt();
                if (dims[i] < 0) throw new IdxFormatException(path + " declares a negative dimension " + dims[i]);
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new IdxFormatException(path + " declares " + Arrays.toString(dims) + ", too large to read");
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length < total) {
                throw new IdxFormatException(path + " is truncated: its header declares " + dimsText(dims) + " = "
                        + total + " bytes of data, the file holds " + data.length);
            }
            return new IdxFile(path, dims, data);
        }
    }

    private static InputStream open(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    static String dimsText(int[] dims) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < dims.length; i++) s.append(i == 0 ? "" : "×").append(dims[i]);
        return s.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte v : b) s.append(String.format("%02x ", v));
        return s.length() == 0 ? "nothing (empty file)" : s.toString().strip();
    }
}
