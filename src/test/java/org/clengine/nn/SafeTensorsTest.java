package org.clengine.nn;

import static org.clengine.nn.StateFileTest.ioError;
import static org.clengine.nn.StateFileTest.snapshot;
import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.train.Models;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every train model saved as safetensors and reloaded, the format's layout, both formats by content, bad files. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** Trained, saved, loaded into a differently seeded twin: bitwise identical eval outputs and counters. */
    @Test
    void everyModelRoundTripsBitForBit() throws IOException {
        for (Models.Kind kind : Models.Kind.values()) {
            for (Models.Norm norm : Models.Norm.values()) {
                if (kind == Models.Kind.RESNET && norm == Models.Norm.AFTER_RELU) continue;
                roundTrip(TestBackends.REFERENCE, kind, norm);
            }
        }
        roundTrip(TestBackends.openCl(), Models.Kind.RESNET, Models.Norm.BEFORE_RELU);
    }

    private void roundTrip(Backend b, Models.Kind kind, Models.Norm norm) throws IOException {
        String what = kind + " " + norm + " on " + b.name();
        RandomFill r = new RandomFill(TestBackends.seed());
        try (Sequential a = Models.build(kind, b, 2, 8, 8, 5, norm, 1);
                Sequential c = Models.build(kind, b, 2, 8, 8, 5, norm, 2);
                Sgd sgd = new Sgd(a.parameters(), 0.1, 0.9, 0);
                SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b);
                Tensor x = b.tensor(r.normal(4 * 128), 4, 2, 8, 8);
                Tensor y = b.tensor(new float[] {0, 1, 2, 3}, 4)) {
            for (int step = 0; step < 2; step++) {
                loss.forward(a.forward(x), y, true);
                a.backward(loss.backward());
                sgd.step();
            }
            Path file = dir.resolve("model.safetensors");
            SafeTensors.save(a, file);
            a.eval();
            c.eval();
            float[] before = c.forward(x).toArray();
            ModelFiles.load(c, file);
            float[] expected = a.forward(x).toArray();
            assertNotEquals(before[0], expected[0], what + ": the second model starts different");
            assertArrayEquals(expected, c.forward(x).toArray(), what + ": eval outputs after reload");
            assertEquals(a.counters(), c.counters(), what);
            assertEquals(snapshot(a), snapshot(c), what);
        }
    }

    /** A ResidualBlock on its own (names "conv1.weight", "downsample.1.running_var", … without a prefix). */
    @Test
    void residualBlockAloneRoundTrips() throws IOException {
        Backend b = TestBackends.REFERENCE;
        RandomFill r = new RandomFill(TestBackends.seed());
        try (ResidualBlock a = new ResidualBlock(b, 3, 4, 2, true, new Init(1));
                ResidualBlock c = new ResidualBlock(b, 3, 4, 2, true, new Init(2));
                Tensor x = b.tensor(r.normal(2 * 3 * 6 * 6), 2, 3, 6, 6)) {
            a.forward(x);
            Path file = dir.resolve("block.safetensors");
            SafeTensors.save(a, file);
            var names = SafeTensorsHeader.read("block", Files.readAllBytes(file)).entries.keySet();
            assertTrue(names.containsAll(List.of("conv1.weight", "bn1.running_mean", "downsample.0.weight",
                    "downsample.1.num_batches_tracked")), names.toString());
            SafeTensors.load(c, file);
            assertEquals(snapshot(a), snapshot(c));
            a.eval();
            c.eval();
            assertArrayEquals(a.forward(x).toArray(), c.forward(x).toArray());
        }
    }

    /** The layout PyTorch's safetensors writes: aligned header, F32 weights, 0-d I64 counters, "format": "pt". */
    @Test
    void headerIsSafetensorsLayout() throws IOException {
        try (Sequential m = Models.build(Models.Kind.CNN, TestBackends.REFERENCE, 1, 8, 8, 3,
                Models.Norm.BEFORE_RELU, 1)) {
            m.setCounter("1.num_batches_tracked", 7);
            Path file = dir.resolve("m.safetensors");
            SafeTensors.save(m, file);
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, (8 + n) % 8, "data aligned to 8 bytes");
            var h = SafeTensorsHeader.read("m", bytes);
            assertEquals("pt", h.metadata.get("format"));
            var w = h.entries.get("0.weight");
            assertEquals(SafeTensorsHeader.Dtype.F32, w.dtype());
            assertArrayEquals(new long[] {32, 1, 3, 3}, w.shape());
            assertEquals(8 + n, w.begin(), "the first tensor starts the data");
            var c = h.entries.get("1.num_batches_tracked");
            assertEquals(SafeTensorsHeader.Dtype.I64, c.dtype());
            assertEquals(0, c.shape().length);
            assertEquals(7L, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong((int) c.begin()));
            assertEquals(List.copyOf(StateFile.tensors(m).keySet()), List.copyOf(h.entries.keySet()).subList(0,
                    StateFile.tensors(m).size()), "parameters then buffers, in the model's order");
        }
    }

    /** .clstate still loads through ModelFiles (by content, whatever the name); saving picks by extension. */
    @Test
    void bothFormatsLoadByContent() throws IOException {
        Backend b = TestBackends.REFERENCE;
        try (Sequential a = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.BEFORE_RELU, 1);
                Sequential c = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.BEFORE_RELU, 2)) {
            a.setCounter("2.num_batches_tracked", 11);
            Path state = dir.resolve("model.clstate");
            ModelFiles.save(a, state);
            assertEquals("CLESTATE", new String(Files.readAllBytes(state), 0, 8, StandardCharsets.US_ASCII));
            Path renamed = Files.copy(state, dir.resolve("renamed.safetensors"));
            ModelFiles.load(c, renamed);
            assertEquals(snapshot(a), snapshot(c));
            Path safe = dir.resolve("model.bin");
            ModelFiles.save(a, safe);
            SafeTensorsHeader.read("model.bin", Files.readAllBytes(safe));
            try (Sequential d = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.BEFORE_RELU, 3)) {
                ModelFiles.load(d, safe);
                assertEquals(snapshot(a), snapshot(d));
            }
        }
    }

    /** F64, F16 and BF16 are converted; I64 where F32 is needed, or F32 for a counter, is refused. */
    @Test
    void otherDtypesConvertOrAreRefused() throws IOException {
        Backend b = TestBackends.REFERENCE;
        try (Sequential m = new Sequential(b, new Linear(b, 2, 2, true, new Init(1)))) {
            float[] w = {1.5f, -2.25f, 0.0625f, 65504f};
            float[] bias = {-0.5f, 6.103515625e-5f};
            write("f64", "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},\"0.bias\":"
                    + "{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[32,48]}}", f64(w, bias));
            SafeTensors.load(m, dir.resolve("f64"));
            assertArrayEquals(w, m.parameters().get("0.weight").value().toArray());
            write("f16", entries("F16", 2), f16(w, bias));
            m.parameters().get("0.weight").value().copyFrom(new float[4]);
            SafeTensors.load(m, dir.resolve("f16"));
            assertArrayEquals(w, m.parameters().get("0.weight").value().toArray());
            assertArrayEquals(bias, m.parameters().get("0.bias").value().toArray());
            float[] wb = {1.5f, -2.25f, 0.0625f, 65536f};
            write("bf16", entries("BF16", 2), bf16(wb, bias));
            SafeTensors.load(m, dir.resolve("bf16"));
            assertArrayEquals(wb, m.parameters().get("0.weight").value().toArray());
            write("i32", entries("I32", 4), new byte[24]);
            rejects("'0.weight' is I32; a parameter or running statistic must be F32",
                    () -> SafeTensors.load(m, dir.resolve("i32")));
        }
    }

    @Test
    void halfPrecisionEdgeValues() {
        assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7e00)));
        assertEquals(-0.0f, SafeTensors.halfToFloat((short) 0x8000));
        assertEquals(0x1p-24f, SafeTensors.halfToFloat((short) 1));
        assertEquals(-65504f, SafeTensors.halfToFloat((short) 0xfbff));
    }

    /** Hostile headers: each is refused with a message naming the problem, and the model is left as it was. */
    @Test
    void hostileFilesAreClearErrors() throws IOException {
        Backend b = TestBackends.REFERENCE;
        try (Sequential m = new Sequential(b, new Linear(b, 2, 2, true, new Init(1)), BatchNorm.batchNorm1d(b, 2))) {
            SafeTensors.save(m, dir.resolve("restore"));
            String ok = "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                    + "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                    + "\"1.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
                    + "\"1.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]},"
                    + "\"1.running_mean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]},"
                    + "\"1.running_var\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[48,56]},"
                    + "\"1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[56,64]}";
            byte[] data = new byte[64];
            write("good", "{" + ok + "}", data);
            SafeTensors.load(m, dir.resolve("good"));
            SafeTensors.load(m, dir.resolve("restore"));
            var before = snapshot(m);
            hostile(m, "ok", "{" + ok + "}", new byte[63], "out of range of the 63 bytes");
            hostile(m, "long", "{" + ok + "}", new byte[65], "the data is 65 bytes (bytes no tensor covers)");
            hostile(m, "dtype", "{" + ok.replace("\"F32\",\"shape\":[2,2]", "\"F33\",\"shape\":[2,2]") + "}", data,
                    "unknown dtype \"F33\"");
            hostile(m, "overlap", "{" + ok.replace("[16,24]", "[12,20]") + "}", data, "overlap");
            hostile(m, "range", "{" + ok.replace("[56,64]", "[56,72]") + "}", data, "out of range");
            hostile(m, "reversed", "{" + ok.replace("[56,64]", "[64,56]") + "}", data, "start is past the end");
            hostile(m, "product", "{" + ok.replace("[2,2]", "[4294967296,4294967296,4294967296]") + "}", data,
                    "whose product overflows 64 bits");
            hostile(m, "bytes", "{" + ok.replace("[2,2]", "[2,3]") + "}", data, "hold 16 bytes");
            hostile(m, "dup", "{" + ok + "," + ok.substring(0, ok.indexOf("},") + 1) + "}", data, "appears twice");
            hostile(m, "deep", "{\"__metadata__\":" + "[".repeat(100) + "]".repeat(100) + "," + ok + "}", data,
                    "nesting deeper than 32");
            hostile(m, "negative", "{" + ok.replace("[2,2]", "[2,-2]") + "}", data, "not a non-negative integer");
            hostile(m, "fraction", "{" + ok.replace("[2,2]", "[2,2.0]") + "}", data, "only integers");
            hostile(m, "metadata", "{\"__metadata__\":{\"a\":1}," + ok + "}", data, "__metadata__ \"a\" is not a "
                    + "string");
            hostile(m, "extra", "{" + ok.replace("\"dtype\":\"F32\",\"shape\":[2,2]",
                    "\"dtype\":\"F32\",\"strides\":[1],\"shape\":[2,2]") + "}", data, "has key \"strides\"");
            byte[] lying = Files.readAllBytes(dir.resolve("good"));
            ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lying.length);
            hostileBytes(m, "past", lying, "past the end of the");
            ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
            hostileBytes(m, "absurd", lying, "header of 18446744073709551615 bytes");
            hostileBytes(m, "short", new byte[5], "too short");
            byte[] latin = Files.readAllBytes(dir.resolve("good"));
            latin[9] = (byte) 0xff;
            hostileBytes(m, "utf8", latin, "not UTF-8");
            assertEquals(before, snapshot(m), "the model after failed loads");
            write("missing", "{" + ok.replace("\"1.num_batches_tracked\"", "\"1.num_batches\"") + "}", data);
            rejects("it lacks [1.num_batches_tracked]; the model has no [1.num_batches]",
                    () -> SafeTensors.load(m, dir.resolve("missing")));
            write("shape", "{" + ok.replace("[2,2],\"data_offsets\":[0,16]", "[4],\"data_offsets\":[0,16]") + "}",
                    data);
            rejects("'0.weight' has shape [4], the model's is [2, 2]", () -> SafeTensors.load(m, dir.resolve("shape")));
            write("counter", "{" + ok.replace("\"I64\"", "\"F64\"") + "}", data);
            rejects("counter '1.num_batches_tracked' is F64", () -> SafeTensors.load(m, dir.resolve("counter")));
            assertEquals(before, snapshot(m), "the model after failed loads");
        }
    }

    private void hostile(Module m, String name, String header, byte[] data, String words) throws IOException {
        write(name, header, data);
        ioError(words, () -> SafeTensors.load(m, dir.resolve(name)));
    }

    private void hostileBytes(Module m, String name, byte[] bytes, String words) throws IOException {
        Files.write(dir.resolve(name), bytes);
        ioError(words, () -> SafeTensors.load(m, dir.resolve(name)));
    }

    private void write(String name, String header, byte[] data) throws IOException {
        Files.write(dir.resolve(name), file(header, data));
    }

    /** A safetensors file of this header text and data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h)
                .put(data).array();
    }

    private static String entries(String dtype, int size) {
        return "{\"0.weight\":{\"dtype\":\"" + dtype + "\",\"shape\":[2,2],\"data_offsets\":[0," + 4 * size
                + "]},\"0.bias\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[" + 4 * size + ","
                + 6 * size + "]}}";
    }

    private static byte[] f64(float[] a, float[] b) {
        ByteBuffer out = ByteBuffer.allocate(8 * (a.length + b.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : a) out.putDouble(v);
        for (float v : b) out.putDouble(v);
        return out.array();
    }

    /** Exact for these values: each is a half with a 10-bit mantissa. */
    private static byte[] f16(float[] a, float[] b) {
        ByteBuffer out = ByteBuffer.allocate(2 * (a.length + b.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] part : new float[][] {a, b}) {
            for (float v : part) {
                int bits = Float.floatToIntBits(v);
                int exp = ((bits >>> 23) & 0xff) - 112;
                out.putShort((short) (((bits >>> 16) & 0x8000) | (exp << 10) | ((bits >>> 13) & 0x3ff)));
            }
        }
        return out.array();
    }

    private static byte[] bf16(float[] a, float[] b) {
        ByteBuffer out = ByteBuffer.allocate(2 * (a.length + b.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] part : new float[][] {a, b}) for (float v : part) out.putShort((short) (Float.floatToIntBits(v)
                >>> 16));
        return out.array();
    }
}
