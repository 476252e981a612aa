package org.clengine.testing;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

/** Byte-level mutations of a valid file, and the extreme integers that crafted headers and attributes use. */
public final class Mutations {
    /** Values at and around the edges of int, long and the sizes readers compute with. */
    public static final long[] EXTREMES = {0, 1, 2, 3, 7, -1, -2, 255, 256, 65535, 65536, 1L << 30, (1L << 31) - 1,
        1L << 31, -(1L << 31), (1L << 32) - 1, 1L << 32, (1L << 32) + 1, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    private Mutations() {
    }

    /** An extreme value, or now and then a random one. */
    public static long extreme(Random r) {
        return r.nextInt(8) == 0 ? r.nextLong() >> r.nextInt(64) : EXTREMES[r.nextInt(EXTREMES.length)];
    }

    /** One to three random mutations of {@code b} (a copy; b is not changed). */
    public static byte[] mutate(byte[] b, Random r) {
        byte[] out = b.clone();
        for (int k = 1 + r.nextInt(3); k > 0; k--) out = once(out, r);
        return out;
    }

    private static byte[] once(byte[] b, Random r) {
        if (b.length == 0) return new byte[] {(byte) r.nextInt()};
        int pos = r.nextInt(b.length);
        switch (r.nextInt(8)) {
            case 0 -> b[pos] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[pos] = (byte) new int[] {0, 0xff, 0x7f, 0x80, 1}[r.nextInt(5)];
            case 2 -> b = Arrays.copyOf(b, pos);
            case 3 -> b = splice(b, pos, 0, randomBytes(r, 1 + r.nextInt(8)));
            case 4 -> b = splice(b, pos, Math.min(b.length - pos, 1 + r.nextInt(16)), new byte[0]);
            case 5 -> b = splice(b, pos, 0, Arrays.copyOfRange(b, pos, Math.min(b.length, pos + 1 + r.nextInt(64))));
            case 6 -> b = splice(b, pos, varintLength(b, pos), varint(extreme(r)));
            default -> {
                long v = extreme(r);
                for (int i = 0; i < 4 && pos + i < b.length; i++) b[pos + i] = (byte) (v >>> (8 * (3 - i)));
            }
        }
        return b;
    }

    /** b with {@code remove} bytes at {@code pos} replaced by {@code insert}. */
    public static byte[] splice(byte[] b, int pos, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(insert, 0, out, pos, insert.length);
        System.arraycopy(b, pos + remove, out, pos + insert.length, b.length - pos - remove);
        return out;
    }

    public static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A protobuf varint (two's complement for negatives, 10 bytes). */
    public static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    /** The length of the varint starting at {@code pos} (1 when it runs off the end). */
    private static int varintLength(byte[] b, int pos) {
        int n = 0;
        while (pos + n < b.length && n < 10 && (b[pos + n] & 0x80) != 0) n++;
        return Math.min(b.length - pos, n + 1);
    }
}
