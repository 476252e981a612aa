package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The entry format alone, without a device: every damage is refused with a message, never another exception. */
class ProgramEntryTest {
    static final ProgramKey KEY = new ProgramKey("Portable Computing Language", "OpenCL 3.0 PoCL 3.1", "cpu", "AMD",
            "3.1", "batchnorm.cl", "-DAFFINE=1 -DFUSE=1", "ab".repeat(32));
    private static final byte[] SECRET = secret(1);
    private static final byte[] BINARY = "poclbin\0 a small program binary, 64 bytes long for the tests.."
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static byte[] secret(long seed) {
        byte[] s = new byte[CacheSecret.BYTES];
        new Random(seed).nextBytes(s);
        return s;
    }

    @Test
    void roundTripsKeyAndBinary() {
        ProgramEntry.Contents c = ProgramEntry.decode(ProgramEntry.encode(KEY, BINARY, SECRET), SECRET);
        assertEquals(KEY, c.key());
        assertArrayEquals(BINARY, c.binary());
        assertEquals(KEY, ProgramKey.decode(KEY.encode()));
    }

    /** Every truncation and every single-bit flip of an entry is refused, each with IllegalArgumentException. */
    @Test
    void everyTruncationAndBitFlipIsRefused() {
        byte[] entry = ProgramEntry.encode(KEY, BINARY, SECRET);
        int cases = 0;
        for (int n = 0; n < entry.length; n++, cases++) {
            refused(Arrays.copyOf(entry, n), SECRET, "truncated to " + n);
        }
        for (int bit = 0; bit < entry.length * 8; bit++, cases++) {
            byte[] flipped = entry.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            refused(flipped, SECRET, "bit " + bit + " flipped");
        }
        assertEquals(entry.length * 9, cases);
    }

    /**
     * What someone without the cache's secret can make: garbage, another key, another binary, with the checksum
     * recomputed as SHA-256 or as HMAC under another secret (an entry copied from another user's cache).
     */
    @Test
    void entriesMadeWithoutTheSecretAreRefused() {
        Random r = new Random(7);
        for (int i = 0; i < 500; i++) {
            byte[] binary = new byte[1 + r.nextInt(200)];
            r.nextBytes(binary);
            ProgramKey key = i % 2 == 0 ? KEY : new ProgramKey(KEY.platform(), KEY.platformVersion(), "other device",
                    KEY.vendor(), KEY.driver(), KEY.file(), KEY.options(), KEY.sourceSha256());
            refused(ProgramEntry.encode(key, binary, secret(100 + i)), SECRET, "foreign secret " + i);
            refused(withSha256(ProgramEntry.encode(key, binary, SECRET)), SECRET, "recomputed SHA-256 " + i);
        }
    }

    @Test
    void keysDifferInTheirFirstDifferentField() {
        ProgramKey other = new ProgramKey(KEY.platform(), KEY.platformVersion(), KEY.device(), KEY.vendor(),
                KEY.driver(), KEY.file(), "-DAFFINE=0 -DFUSE=1", KEY.sourceSha256());
        assertEquals("options [-DAFFINE=0 -DFUSE=1], not [-DAFFINE=1 -DFUSE=1]", KEY.difference(other));
        assertTrue(!KEY.fileName().equals(other.fileName()));
        byte[] future = KEY.encode();
        ByteBuffer.wrap(future).putInt(ProgramKey.FORMAT + 1);
        var e = assertThrows(IllegalArgumentException.class, () -> ProgramKey.decode(future));
        assertTrue(e.getMessage().contains("format " + (ProgramKey.FORMAT + 1)), e.getMessage());
    }

    /** {@code entry} with its MAC replaced by a plain SHA-256 of the rest, as an outsider would recompute it. */
    static byte[] withSha256(byte[] entry) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(entry, entry.length - 32));
            System.arraycopy(sha, 0, entry, entry.length - 32, 32);
            return entry;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void refused(byte[] entry, byte[] secret, String what) {
        try {
            ProgramEntry.decode(entry, secret);
        } catch (IllegalArgumentException expected) {
            return;
        }
        throw new AssertionError(what + ": the entry was accepted");
    }
}
