package org.clengine.device;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bytes of one program cache entry:
 *
 * <pre>
 *   "CLENGINE-PROGRAM\n" | int n | key (n bytes, {@link ProgramKey#encode}) | long m | binary (m bytes) | MAC (32)
 * </pre>
 *
 * The MAC is HMAC-SHA256 over everything before it under the cache's secret ({@link CacheSecret}), so it covers the
 * key and the binary together. A plain checksum would not do: drivers trust the binaries they are given (PoCL 3.1
 * aborts the JVM in {@code pocl_binary_deserialize} on a truncated binary with a valid header, and runs a bit-flipped
 * one), so an entry must be one this user's engine wrote, for this key, byte for byte; garbage with a recomputed
 * checksum is rejected because whoever computed it did not hold the secret.
 */
final class ProgramEntry {
    static final byte[] MAGIC = "CLENGINE-PROGRAM\n".getBytes(StandardCharsets.US_ASCII);
    static final int MAC_BYTES = 32;
    /** The largest entry read: binaries of the engine's kernels are a few MB on every driver seen. */
    static final long MAX_BYTES = 256L << 20;
    private static final int HEADER_BYTES = MAGIC.length + Integer.BYTES;

    /** What a verified entry holds. */
    record Contents(ProgramKey key, byte[] binary) {
    }

    private ProgramEntry() {
    }

    static byte[] encode(ProgramKey key, byte[] binary, byte[] secret) {
        byte[] k = key.encode();
        int body = Math.addExact(Math.addExact(HEADER_BYTES + Long.BYTES, k.length), binary.length);
        ByteBuffer out = ByteBuffer.allocate(Math.addExact(body, MAC_BYTES));
        out.put(MAGIC).putInt(k.length).put(k).putLong(binary.length).put(binary);
        out.put(mac(secret, out.array(), body));
        return out.array();
    }

    /**
     * The key and binary of {@code entry} if it is whole and its MAC holds under {@code secret}; else throws
     * IllegalArgumentException saying what is wrong. The MAC is checked before any length in the entry is used.
     */
    static Contents decode(byte[] entry, byte[] secret) {
        if (entry.length < HEADER_BYTES + Long.BYTES + MAC_BYTES) {
            throw new IllegalArgumentException("it has " + entry.length + " bytes, too few for an entry");
        }
        if (!Arrays.equals(entry, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("it is not a program cache entry of this engine");
        }
        int body = entry.length - MAC_BYTES;
        byte[] expected = mac(secret, entry, body);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(entry, body, entry.length))) {
            throw new IllegalArgumentException("its MAC does not match: it is damaged, or was not written by this "
                    + "user's engine with this cache's key");
        }
        ByteBuffer in = ByteBuffer.wrap(entry, 0, body).position(MAGIC.length);
        int n = in.getInt();
        if (n < 0 || n > ProgramKey.MAX_BYTES || n > in.remaining() - Long.BYTES) {
            throw new IllegalArgumentException("its key length " + n + " does not fit the entry");
        }
        byte[] key = new byte[n];
        in.get(key);
        long m = in.getLong();
        if (m <= 0 || m != in.remaining()) {
            throw new IllegalArgumentException("its binary length " + m + " is not the " + in.remaining()
                    + " bytes that follow");
        }
        byte[] binary = new byte[(int) m];
        in.get(binary);
        return new Contents(ProgramKey.decode(key), binary);
    }

    private static byte[] mac(byte[] secret, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
