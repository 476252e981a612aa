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
import org.clengine.backend.Backend;
import org.clengine.testing.Fuzz;
import org.clengine.testing.Mutations;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State files truncated, bit-flipped, with crafted headers and entries: every load either succeeds and leaves the
 * model holding exactly what an independent parse of the file says, or fails (IOException, IllegalArgumentException,
 * with a message) and leaves the model exactly as it was.
 */
class StateFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedAndCraftedFiles() throws Exception {
        // small, so that a case costs its parsing and not the copying of 300 KB of weights
        Backend b = TestBackends.REFERENCE;
        try (Sequential m = new Sequential(b, new Linear(b, 4, 5, false, new Init(1)), BatchNorm.batchNorm1d(b, 5),
                Activation.relu(b), new Linear(b, 5, 3, true, new Init(2)))) {
            Path file = dir.resolve("valid.clstate");
            StateFile.save(m, file);
            byte[] valid = Files.readAllBytes(file);
            Fuzz.Report r = Fuzz.run("state", random -> () -> oneCase(m, valid, random), t -> t instanceof IOException
                    || t instanceof IllegalArgumentException, 64L << 20, 20);
            assertTrue(r.findings().isEmpty(), r.toString());
        }
    }

    String oneCase(Module m, byte[] valid, Random r) throws IOException {
        byte[] bytes = switch (r.nextInt(4)) {
            case 0 -> Mutations.mutate(valid, r);
            case 1 -> java.util.Arrays.copyOf(valid, r.nextInt(valid.length + 1));
            case 2 -> craftedHeader(valid, r);
            default -> craftedEntry(valid, r);
        };
        Path p = dir.resolve("case.clstate");
        Files.write(p, bytes);
        scramble(m, r);
        Map<String, FloatBuffer> before = StateFileTest.snapshot(m);
        try {
            StateFile.load(m, p);
        } catch (IOException | RuntimeException e) {
            if (!before.equals(StateFileTest.snapshot(m))) throw new AssertionError("a failed load changed the model");
            throw e;
        }
        Map<String, FloatBuffer> expected = independentParse(bytes);
        if (!expected.equals(StateFileTest.snapshot(m))) throw new AssertionError("loaded values differ from the file");
        return "loaded";
    }

    /** Values unlike any file's, so that a load that writes part of the state and then fails cannot hide. */
    static void scramble(Module m, Random r) {
        StateFile.tensors(m).values().forEach(t -> {
            float[] v = new float[t.size()];
            for (int i = 0; i < v.length; i++) v[i] = 1000 + r.nextFloat();
            t.copyFrom(v);
        });
        m.counters().keySet().forEach(k -> m.setCounter(k, 1000 + r.nextInt(1000)));
    }

    /** Count and version made extreme. */
    static byte[] craftedHeader(byte[] valid, Random r) {
        byte[] b = valid.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(r.nextInt(4) == 0 ? 8 : 12, (int) Mutations.extreme(r));
        return b;
    }

    /** One more entry at the end (count raised) with a name, kind, rank and dims of any value. */
    static byte[] craftedEntry(byte[] valid, Random r) {
        List<String> names = new ArrayList<>(independentParse(valid).keySet());
        String name = r.nextInt(4) == 0 ? "x" + r.nextInt(9) : names.get(r.nextInt(names.size()));
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int rank = r.nextInt(3) == 0 ? r.nextInt(256) : r.nextInt(3);
        ByteBuffer e = ByteBuffer.allocate(2 + n.length + 2 + 4 * rank + 8 + 16).order(ByteOrder.LITTLE_ENDIAN);
        e.putShort((short) (r.nextInt(8) == 0 ? (int) Mutations.extreme(r) : n.length)).put(n);
        e.put((byte) (r.nextInt(4) == 0 ? r.nextInt(256) : r.nextInt(2))).put((byte) rank);
        for (int i = 0; i < rank; i++) e.putInt((int) (r.nextBoolean() ? Mutations.extreme(r) : r.nextInt(300)));
        e.putLong(r.nextLong());
        byte[] entry = java.util.Arrays.copyOf(e.array(), e.position() - (r.nextBoolean() ? r.nextInt(9) : 0));
        return StateFileTest.withEntry(valid, entry);
    }

    /** The format parsed the plain way, for a file already known to be good: name → values. */
    static Map<String, FloatBuffer> independentParse(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        b.position(12);
        int count = b.getInt();
        Map<String, FloatBuffer> out = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(name);
            int kind = b.get(), rank = b.get();
            int size = 1;
            for (int d = 0; d < rank; d++) size *= b.getInt();
            float[] values = new float[kind == 1 ? 1 : size];
            if (kind == 1) values[0] = b.getLong();
            else for (int k = 0; k < size; k++) values[k] = b.getFloat();
            out.put(new String(name, StandardCharsets.UTF_8), FloatBuffer.wrap(values));
        }
        return out;
    }
}
