package org.clengine.data;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.clengine.core.InputFiles;

/**
 * An IDX file (the MNIST format), gzipped or raw: magic 0x00 0x00, a type byte (0x08 = unsigned byte, the only
 * type read here), the number of dimensions, each dimension as a big-endian int32, then the data in row-major
 * order. Gzip is recognised by its own magic (0x1f 0x8b), not by the file name, and decompressed to its end so that
 * its CRC32 is checked. Nothing may follow the data.
 *
 * @param dims dimensions, the first being the item count
 * @param data the unsigned bytes
 */
public record IdxFile(Path path, int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    public int count() {
        return dims[0];
    }

    /** Bytes per item: the product of the dimensions after the first (checked to fit an int when read). */
    public int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) n = Math.multiplyExact(n, dims[i]);
        return n;
    }

    /**
     * Reads a regular file of at most {@link InputFiles#maxBytes()} bytes; a gzipped one decompresses to at most as
     * many. The header must declare exactly the bytes that follow it.
     */
    public static IdxFile read(Path path) throws IOException {
        if (!Files.exists(path)) throw new IOException("data file not found: " + path);
        byte[] file = InputFiles.readAll(path, "an IDX file");
        return parse(path, Gunzip.isGzip(file) ? Gunzip.decompress(file, InputFiles.maxBytes(), path) : file);
    }

    /** An IDX file's (decompressed) bytes: the header, then exactly the data it declares. */
    static IdxFile parse(Path path, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] head = new byte[Math.min(4, bytes.length)];
        b.get(head);
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
        if (b.remaining() < 4 * rank) throw new IdxFormatException(path + " is truncated in its header");
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = b.getInt();
            if (dims[i] < 0) throw new IdxFormatException(path + " declares a negative dimension " + dims[i]);
        }
        checkDataLength(path, dims, b.remaining());
        return new IdxFile(path, dims, Arrays.copyOfRange(bytes, b.position(), bytes.length));
    }

    /**
     * The declared size against the bytes present, exactly: 255 dimensions of up to 2^31 overflow even a long, and a
     * product that wrapped once read as a file of 0 items.
     */
    private static void checkDataLength(Path path, int[] dims, int present) {
        BigInteger total = product(dims, 0), held = BigInteger.valueOf(present);
        if (total.compareTo(held) > 0) {
            throw new IdxFormatException(path + " is truncated: its header declares " + dimsText(dims) + " = "
                    + total + " bytes of data, the file holds " + held);
        }
        if (total.compareTo(held) < 0) {
            throw new IdxFormatException(path + " has " + held.subtract(total) + " bytes after the " + total
                    + " bytes of data its header declares (" + dimsText(dims) + ")");
        }
        if (product(dims, 1).bitLength() > 31) {
            throw new IdxFormatException(path + " declares " + dimsText(dims) + ": more bytes per item than an int "
                    + "counts");
        }
    }

    private static BigInteger product(int[] dims, int from) {
        BigInteger p = BigInteger.ONE;
        for (int i = from; i < dims.length; i++) p = p.multiply(BigInteger.valueOf(dims[i]));
        return p;
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
