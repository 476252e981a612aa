package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clengine.backend.Backend;
import org.clengine.testing.Fuzz;
import org.clengine.testing.Mutations;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors files bit-flipped, truncated, with extreme header lengths and with headers edited as JSON (numbers
 * made extreme, dtypes changed, entries dropped, doubled or added, nesting, junk after the object) and the length
 * fixed to match, so that the cases reach the checks past the length: every load either succeeds and leaves the
 * model holding what a plain regex parse of the file says, or fails (IOException or IllegalArgumentException with
 * a message) and leaves the model as it was. Bounded like the other fuzzers ({@link Fuzz}).
 */
class SafeTensorsFuzzTest {
    private static final Pattern ENTRY = Pattern.compile("\"([^\"]+)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*"
            + "\"(\\w+)\"\\s*,\\s*\"shape\"\\s*:\\s*\\[([\\d,\\s]*)]\\s*,"
            + "\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]\\s*}");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final String[] DTYPES = {"F32", "F64", "F16", "BF16", "I64", "I32", "U8", "BOOL", "F8_E4M3", "f32",
        "F33", "", "F32\\u0000"};

    @TempDir
    Path dir;

    @Test
    void mutatedAndCraftedFiles() throws Exception {
        Backend b = TestBackends.REFERENCE;
        try (Sequential m = new Sequential(b, new Linear(b, 4, 5, false, new Init(1)), BatchNorm.batchNorm1d(b, 5),
                Activation.relu(b), new Linear(b, 5, 3, true, new Init(2)))) {
            Path file = dir.resolve("valid.safetensors");
            SafeTensors.save(m, file);
            byte[] valid = Files.readAllBytes(file);
            Fuzz.Report r = Fuzz.run("safetensors", random -> () -> oneCase(m, valid, random),
                    t -> t instanceof IOException || t.getClass() == IllegalArgumentException.class, 64L << 20, 20);
            assertTrue(r.findings().isEmpty(), r.toString());
            assertTrue(r.outcomes().getOrDefault("loaded", 0L) > 0 && r.outcomes().size() > 2, r.toString());
        }
    }

    String oneCase(Module m, byte[] valid, Random r) throws IOException {
        byte[] bytes = switch (r.nextInt(5)) {
            case 0 -> Mutations.mutate(valid, r);
            case 1 -> java.util.Arrays.copyOf(valid, r.nextInt(valid.length + 1));
            case 2 -> withLength(valid, r);
            default -> editedHeader(valid, r);
        };
        Path p = dir.resolve("case.safetensors");
        Files.write(p, bytes);
        StateFuzzTest.scramble(m, r);
        Map<String, FloatBuffer> before = StateFileTest.snapshot(m);
        try {
            SafeTensors.load(m, p);
        } catch (IOException | RuntimeException e) {
            if (!before.equals(StateFileTest.snapshot(m))) throw new AssertionError("a failed load changed the model");
            throw e;
        }
        if (!plainParse(bytes).equals(StateFileTest.snapshot(m))) {
            throw new AssertionError("loaded values differ from the file");
        }
        return "loaded";
    }

    /** The 8-byte header length made extreme or off by a little. */
    static byte[] withLength(byte[] valid, Random r) {
        byte[] b = valid.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(0, r.nextBoolean() ? Mutations.extreme(r) : bb.getLong(0) + r.nextInt(17) - 8);
        return b;
    }

    /** One or two edits of the header text, then the length set to the new header's and the data kept or cut. */
    static byte[] editedHeader(byte[] valid, Random r) {
        int n = (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String h = new String(valid, 8, n, StandardCharsets.UTF_8).strip();
        for (int k = 1 + r.nextInt(2); k > 0; k--) h = edit(h, r);
        byte[] header = h.getBytes(StandardCharsets.UTF_8);
        byte[] data = java.util.Arrays.copyOfRange(valid, 8 + n, valid.length);
        if (r.nextInt(4) == 0) data = java.util.Arrays.copyOf(data, Math.max(0, data.length + r.nextInt(17) - 8));
        return SafeTensorsTest.file(new String(header, StandardCharsets.UTF_8), data);
    }

    private static String edit(String h, Random r) {
        List<int[]> numbers = spans(NUMBER.matcher(h));
        List<int[]> entries = spans(ENTRY.matcher(h));
        switch (r.nextInt(7)) {
            case 0, 1 -> {
                int[] s = numbers.get(r.nextInt(numbers.size()));
                // a number an earlier edit made may be past long: then an extreme replaces it
                boolean near = r.nextBoolean() && s[1] - s[0] < 18;
                String v = r.nextInt(6) == 0 ? "99999999999999999999" : r.nextInt(6) == 0 ? "1.5"
                        : Long.toString(near ? Long.parseLong(h.substring(s[0], s[1])) + r.nextInt(9) - 4
                        : Mutations.extreme(r));
                return h.substring(0, s[0]) + v + h.substring(s[1]);
            }
            case 2 -> {
                String d = DTYPES[r.nextInt(DTYPES.length)];
                return h.replaceFirst(r.nextBoolean() ? "\"F32\"" : "\"I64\"", "\"" + Matcher.quoteReplacement(d)
                        + "\"");
            }
            case 3 -> {
                int[] e = entries.get(r.nextInt(entries.size()));
                return h.substring(0, e[0]) + h.substring(e[1] + (h.charAt(e[1]) == ',' ? 1 : 0));
            }
            case 4 -> {
                int[] e = entries.get(r.nextInt(entries.size()));
                String one = h.substring(e[0], e[1]);
                String name = r.nextBoolean() ? one : one.replaceFirst("\"[^\"]+\"", "\"x" + r.nextInt(9) + "\"");
                return h.substring(0, h.length() - 1) + "," + name + "}";
            }
            case 5 -> {
                int depth = r.nextInt(80);
                return "{\"__metadata__\":{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}," + h.substring(1);
            }
            default -> {
                return h + new String[] {" ", "}", "x", "\u0000", "{}", "\t\n"}[r.nextInt(6)];
            }
        }
    }

    private static List<int[]> spans(Matcher m) {
        List<int[]> out = new ArrayList<>();
        while (m.find()) out.add(new int[] {m.start(), m.end()});
        return out;
    }

    /** A file that loaded, decoded the plain way: the regex's entries, each dtype by its own arithmetic. */
    static Map<String, FloatBuffer> plainParse(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        Map<String, FloatBuffer> out = new TreeMap<>();
        Matcher m = ENTRY.matcher(new String(file, 8, n, StandardCharsets.UTF_8));
        while (m.find()) {
            int begin = 8 + n + Integer.parseInt(m.group(4)), end = 8 + n + Integer.parseInt(m.group(5));
            String dtype = m.group(2);
            int size = Map.of("F64", 8, "I64", 8, "F32", 4, "I32", 4).getOrDefault(dtype, 2);
            float[] v = new float[(end - begin) / size];
            for (int i = 0; i < v.length; i++) {
                int at = begin + size * i;
                v[i] = switch (dtype) {
                    case "F32" -> b.getFloat(at);
                    case "F64" -> (float) b.getDouble(at);
                    case "I64" -> (float) b.getLong(at);
                    case "I32" -> (float) b.getInt(at);
                    case "BF16" -> Float.intBitsToFloat(b.getShort(at) << 16);
                    case "F16" -> half(b.getShort(at) & 0xffff);
                    default -> throw new AssertionError("loaded a " + dtype + " tensor");
                };
            }
            out.put(m.group(1), FloatBuffer.wrap(v));
        }
        return out;
    }

    private static float half(int h) {
        int e = (h >> 10) & 31, f = h & 1023;
        double mag = e == 31 ? (f == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : e == 0 ? Math.scalb(f / 1024.0, -14) : Math.scalb(1 + f / 1024.0, e - 15);
        return (float) ((h & 0x8000) != 0 ? -mag : mag);
    }
}
