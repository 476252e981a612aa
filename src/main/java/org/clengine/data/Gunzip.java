package org.clengine.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A gzip file (RFC 1952) decoded to its very end. {@code GZIPInputStream} checks a member's CRC32 and length only
 * when it is read to the end, and ignores whatever follows the last member; a data file read only as far as its
 * header says would load corrupted bytes without a word. Here every member is inflated whole, its CRC32 and ISIZE
 * compared, and anything after the last member refused.
 */
final class Gunzip {
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16, RESERVED = 0xe0;

    private Gunzip() {
    }

    static boolean isGzip(byte[] b) {
        return isGzipAt(b, 0);
    }

    private static boolean isGzipAt(byte[] b, int pos) {
        return b.length - pos >= 2 && (b[pos] & 0xff) == 0x1f && (b[pos + 1] & 0xff) == 0x8b;
    }

    /** The decompressed bytes of every member of {@code gz}, at most {@code maxBytes} of them. */
    static byte[] decompress(byte[] gz, long maxBytes, Path file) {
        Output out = new Output(maxBytes, file);
        int pos = 0;
        do {
            if (!isGzipAt(gz, pos)) {
                throw bad(file, "has " + (gz.length - pos) + " bytes of trailing data after its gzip stream");
            }
            pos = member(gz, headerEnd(gz, pos, file), out, file);
        } while (pos < gz.length);
        return out.toArray();
    }

    /** Inflates the deflate data at {@code pos} and checks the trailer; returns where the member ends. */
    private static int member(byte[] gz, int pos, Output out, Path file) {
        Inflater inf = new Inflater(true);
        CRC32 crc = new CRC32();
        long size = 0;
        try {
            inf.setInput(gz, pos, gz.length - pos);
            byte[] buf = new byte[1 << 16];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw bad(file, "is truncated: its compressed data end before their end marker");
                }
                crc.update(buf, 0, n);
                size += n;
                out.write(buf, n);
            }
            pos = gz.length - inf.getRemaining();
        } catch (DataFormatException e) {
            throw bad(file, "is corrupt: " + e.getMessage());
        } finally {
            inf.end();
        }
        if (gz.length - pos < 8) throw bad(file, "is truncated: its gzip trailer (CRC32 and length) is missing");
        long storedCrc = le32(gz, pos), storedSize = le32(gz, pos + 4);
        if (storedCrc != crc.getValue()) {
            throw bad(file, String.format("is corrupt: CRC32 of the decompressed data is %08x, the gzip trailer "
                    + "says %08x", crc.getValue(), storedCrc));
        }
        if (storedSize != (size & 0xffffffffL)) {
            throw bad(file, "is corrupt: " + size + " bytes decompressed, the gzip trailer says " + storedSize
                    + " (mod 2^32)");
        }
        return pos + 8;
    }

    /** Checks a member header (RFC 1952 §2.3) at {@code pos}; returns where its deflate data begin. */
    private static int headerEnd(byte[] gz, int pos, Path file) {
        int start = pos;
        need(gz, pos, 10, file);
        if (gz[pos + 2] != 8) throw bad(file, "uses gzip compression method " + gz[pos + 2] + ", not deflate (8)");
        int flags = gz[pos + 3] & 0xff;
        if ((flags & RESERVED) != 0) throw bad(file, "has reserved gzip header flags set: " + flags);
        pos += 10;
        if ((flags & FEXTRA) != 0) {
            need(gz, pos, 2, file);
            int xlen = (gz[pos] & 0xff) | (gz[pos + 1] & 0xff) << 8;
            need(gz, pos + 2, xlen, file);
            pos += 2 + xlen;
        }
        if ((flags & FNAME) != 0) pos = afterZero(gz, pos, file);
        if ((flags & FCOMMENT) != 0) pos = afterZero(gz, pos, file);
        if ((flags & FHCRC) != 0) {
            need(gz, pos, 2, file);
            CRC32 crc = new CRC32();
            crc.update(gz, start, pos - start);
            if ((crc.getValue() & 0xffff) != ((gz[pos] & 0xff) | (gz[pos + 1] & 0xff) << 8)) {
                throw bad(file, "is corrupt: its gzip header CRC does not match");
            }
            pos += 2;
        }
        return pos;
    }

    private static int afterZero(byte[] gz, int pos, Path file) {
        while (pos < gz.length && gz[pos] != 0) pos++;
        need(gz, pos, 1, file);
        return pos + 1;
    }

    private static void need(byte[] gz, int pos, int n, Path file) {
        if (gz.length - pos < n) throw bad(file, "is truncated in its gzip header");
    }

    private static long le32(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }

    private static IdxFormatException bad(Path file, String problem) {
        return new IdxFormatException(file + " " + problem);
    }

    /** A growing buffer that refuses to pass a limit, so a small file that inflates without end stops early. */
    private static final class Output {
        private final long max;
        private final Path file;
        private byte[] b = new byte[1 << 16];
        private int n;

        Output(long max, Path file) {
            this.max = max;
            this.file = file;
        }

        void write(byte[] src, int len) {
            if (n + (long) len > max) {
                throw bad(file, "decompresses to more than " + max + " bytes (-Dclengine.file.maxBytes raises the "
                        + "limit)");
            }
            if (n + len > b.length) b = Arrays.copyOf(b, (int) Math.min(max, Math.max(n + (long) len, 2L * b.length)));
            System.arraycopy(src, 0, b, n, len);
            n += len;
        }

        byte[] toArray() {
            return Arrays.copyOf(b, n);
        }
    }
}
