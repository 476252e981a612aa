package org.clengine.device;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Everything a program binary depends on: the driver that compiled it (platform, device, vendor, driver version),
 * what it was compiled from (kernel file, build options, SHA-256 of the source) and the layout of the entry that
 * holds it ({@link #FORMAT}). An entry on disk records its key and is loaded only for exactly that key.
 */
record ProgramKey(String platform, String platformVersion, String device, String vendor, String driver,
        String file, String options, String sourceSha256) {

    /** The program cache's entry format; a change of layout or of what the key holds increments it. */
    static final int FORMAT = 2;
    private static final List<String> NAMES = List.of("platform", "platform version", "device", "vendor", "driver",
            "file", "options", "source SHA-256");
    /** A key larger than this is damage, not a key: names and options are short. */
    static final int MAX_BYTES = 1 << 16;

    static ProgramKey of(DeviceInfo d, String file, String options, String source) {
        return new ProgramKey(d.platformName(), d.platformVersion(), d.name(), d.vendor(), d.driverVersion(), file,
                options, sha256Hex(source.getBytes(StandardCharsets.UTF_8)));
    }

    List<String> values() {
        return List.of(platform, platformVersion, device, vendor, driver, file, options, sourceSha256);
    }

    /** FORMAT, then each value as its UTF-8 length and bytes: two keys are equal exactly when these bytes are. */
    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FORMAT);
            for (String v : values()) {
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
    }

    /** The key {@code bytes} encode; throws IllegalArgumentException naming what is wrong with them. */
    static ProgramKey decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.remaining() < Integer.BYTES) throw new IllegalArgumentException("the key is cut short");
        int format = in.getInt();
        if (format != FORMAT) {
            throw new IllegalArgumentException("the key is of format " + format + ", this engine's is " + FORMAT);
        }
        List<String> v = new ArrayList<>();
        for (String name : NAMES) {
            int n = in.remaining() >= Integer.BYTES ? in.getInt() : -1;
            if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("the key's " + name + " is cut short");
            byte[] b = new byte[n];
            in.get(b);
            v.add(new String(b, StandardCharsets.UTF_8));
        }
        if (in.hasRemaining()) throw new IllegalArgumentException("the key has " + in.remaining() + " bytes too many");
        return new ProgramKey(v.get(0), v.get(1), v.get(2), v.get(3), v.get(4), v.get(5), v.get(6), v.get(7));
    }

    /** The entry's file name: the SHA-256 of the key, so a lookup needs no directory listing. */
    String fileName() {
        return sha256Hex(encode()) + ".bin";
    }

    /** The first field in which {@code other} differs from this key, for the log: "options [a], not [b]". */
    String difference(ProgramKey other) {
        List<String> mine = values();
        List<String> theirs = other.values();
        for (int i = 0; i < NAMES.size(); i++) {
            if (!mine.get(i).equals(theirs.get(i))) {
                return NAMES.get(i) + " [" + theirs.get(i) + "], not [" + mine.get(i) + "]";
            }
        }
        return "nothing";
    }

    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
