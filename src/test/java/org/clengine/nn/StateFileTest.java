package org.clengine.nn;

import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
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

/** Save, load, identical eval outputs; names, train/eval switching and bad files. */
class StateFileTest {
    @TempDir
    Path dir;

    /** A trained model saved and loaded into a differently seeded one gives bitwise identical eval outputs. */
    @Test
    void reloadedModelGivesIdenticalEvalOutputs() throws IOException {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            RandomFill r = new RandomFill(TestBackends.seed());
            try (Sequential a = Models.build(Models.Kind.RESNET, b, 1, 8, 8, 5, Models.Norm.BEFORE_RELU, 1);
                    Sequential c = Models.build(Models.Kind.RESNET, b, 1, 8, 8, 5, Models.Norm.BEFORE_RELU, 2);
                    Sgd sgd = new Sgd(a.parameters(), 0.1, 0.9, 0);
                    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b);
                    Tensor x = b.tensor(r.normal(4 * 64), 4, 1, 8, 8);
                    Tensor y = b.tensor(new float[] {0, 1, 2, 3}, 4)) {
                for (int step = 0; step < 3; step++) {
                    loss.forward(a.forward(x), y, true);
                    a.backward(loss.backward());
                    sgd.step();
                }
                Path file = dir.resolve(b.name().replace(':', '_') + ".clstate");
                StateFile.save(a, file);
                a.eval();
                c.eval();
                float[] before = c.forward(x).toArray();
                StateFile.load(c, file);
                float[] expected = a.forward(x).toArray();
                assertNotEquals(before[0], expected[0], "the second model starts different");
                assertArrayEquals(expected, c.forward(x).toArray(), "eval outputs after reload on " + b.name());
                assertEquals(a.counters(), c.counters());
                assertEquals(3L, c.counters().get("1.num_batches_tracked"));
            }
        }
    }

    @Test
    void namesFollowPytorchStateDict() {
        try (Sequential m = Models.build(Models.Kind.RESNET, TestBackends.REFERENCE, 1, 8, 8, 5,
                Models.Norm.BEFORE_RELU, 1)) {
            var names = StateFile.tensors(m).keySet();
            assertTrue(names.containsAll(List.of("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                    "4.conv1.weight", "4.bn2.running_var", "4.downsample.0.weight", "4.downsample.1.bias",
                    "7.weight", "7.bias")), names.toString());
            assertTrue(m.counters().containsKey("4.downsample.1.num_batches_tracked"));
            assertEquals(0, m.parameters().keySet().stream().filter(k -> k.contains("running")).count());
        }
    }

    @Test
    void trainAndEvalSwitchEveryBatchNorm() {
        try (Sequential m = Models.build(Models.Kind.RESNET, TestBackends.REFERENCE, 1, 8, 8, 5,
                Models.Norm.BEFORE_RELU, 1)) {
            m.eval();
            assertTrue(m.children().get("4").children().values().stream().noneMatch(Module::isTraining));
            m.train();
            assertTrue(m.children().get("4").children().get("downsample").children().get("1").isTraining());
        }
    }

    /** A load that fails leaves the model as it was: the whole file is checked before the first value is copied. */
    @Test
    void failedLoadLeavesTheModelUntouched() throws IOException {
        Backend b = TestBackends.REFERENCE;
        try (Sequential saved = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.BEFORE_RELU, 1);
                Sequential target = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.BEFORE_RELU, 2)) {
            Path file = dir.resolve("mlp.clstate");
            StateFile.save(saved, file);
            byte[] good = Files.readAllBytes(file);
            var before = snapshot(target);
            // once the tensors were copied and only then the unknown counter refused
            Path unknown = write("unknown", withEntry(good, counter("9.num_batches_tracked", 5)));
            var e = assertThrows(IllegalArgumentException.class, () -> StateFile.load(target, unknown));
            assertEquals(before, snapshot(target), "the model after a failed load");
            assertTrue(e.getMessage().contains("has counter '9.num_batches_tracked', which the model lacks"),
                    e.getMessage());
            Path kind = write("kind", withEntry(good, new byte[] {1, 0, 'x', 7, 0}));
            ioError("entry 'x' has kind 7", () -> StateFile.load(target, kind));
            assertEquals(before, snapshot(target), "the model after a failed load");
            // found by StateFuzzTest: a negative counter was refused by the model after the tensors were written
            byte[] negative = good.clone();
            java.nio.ByteBuffer.wrap(negative).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(good.length - 8, -5);
            ioError("is -5; counters count batches and are never negative", () -> StateFile.load(target,
                    write("negative", negative)));
            assertEquals(before, snapshot(target), "the model after a failed load");
            StateFile.load(target, file);
            assertEquals(snapshot(saved), snapshot(target), "a good file still loads");
        }
    }

    /** Duplicates, trailing bytes and counts the file cannot hold are refused. */
    @Test
    void malformedStructureIsRefused() throws IOException {
        try (Sequential m = Models.build(Models.Kind.MLP, TestBackends.REFERENCE, 1, 4, 4, 3,
                Models.Norm.BEFORE_RELU, 1)) {
            Path file = dir.resolve("m.clstate");
            StateFile.save(m, file);
            byte[] good = Files.readAllBytes(file);
            String last = List.copyOf(m.counters().keySet()).get(0);
            ioError("holds '" + last + "' twice", () -> StateFile.load(m, write("dup", withEntry(good, counter(last,
                    1)))));
            byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
            ioError("has 1 bytes after its last entry", () -> StateFile.load(m, write("trail", trailing)));
            byte[] count = good.clone();
            java.nio.ByteBuffer.wrap(count).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(12, -1);
            ioError("declares 4294967295 entries", () -> StateFile.load(m, write("count", count)));
            Path zero = dir.resolve("zero.clstate");
            Files.createSymbolicLink(zero, Path.of("/dev/zero"));
            ioError("is a character device, not a regular file", () -> StateFile.load(m, zero));
        }
    }

    static void ioError(String words, org.junit.jupiter.api.function.Executable call) {
        var e = assertThrows(IOException.class, call);
        assertTrue(e.getMessage().contains(words), () -> "expected '" + words + "' in: " + e.getMessage());
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name + ".clstate"), bytes);
    }

    /** The file with one more entry at its end and the count raised to match. */
    static byte[] withEntry(byte[] file, byte[] entry) {
        byte[] out = java.util.Arrays.copyOf(file, file.length + entry.length);
        System.arraycopy(entry, 0, out, file.length, entry.length);
        var b = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(12, b.getInt(12) + 1);
        return out;
    }

    static byte[] counter(String name, long value) {
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.nio.ByteBuffer.allocate(2 + n.length + 2 + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putShort((short) n.length).put(n).put((byte) 1).put((byte) 0).putLong(value).array();
    }

    /** Every value of the model's state by name (FloatBuffer compares contents). */
    static java.util.Map<String, java.nio.FloatBuffer> snapshot(Module m) {
        java.util.Map<String, java.nio.FloatBuffer> out = new java.util.TreeMap<>();
        StateFile.tensors(m).forEach((k, t) -> out.put(k, java.nio.FloatBuffer.wrap(t.toArray())));
        m.counters().forEach((k, v) -> out.put(k, java.nio.FloatBuffer.wrap(new float[] {(float) v})));
        return out;
    }

    @Test
    void badFilesAreClearErrors() throws IOException {
        Backend b = TestBackends.REFERENCE;
        try (Sequential mlp = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.BEFORE_RELU, 1);
                Sequential other = Models.build(Models.Kind.MLP, b, 1, 5, 5, 3, Models.Norm.BEFORE_RELU, 1);
                Sequential noBn = Models.build(Models.Kind.MLP, b, 1, 4, 4, 3, Models.Norm.NONE, 1)) {
            Path file = dir.resolve("mlp.clstate");
            StateFile.save(mlp, file);
            rejects("'1.weight' has shape [256, 16], the model's is [256, 25]", () -> StateFile.load(other, file));
            rejects("has '2.weight', which the model lacks", () -> StateFile.load(noBn, file));
            byte[] bytes = Files.readAllBytes(file);
            Path cut = dir.resolve("cut.clstate");
            Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            var e = assertThrows(EOFException.class, () -> StateFile.load(mlp, cut));
            assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
            Path junk = dir.resolve("junk.clstate");
            Files.writeString(junk, "not a state file at all");
            var j = assertThrows(IOException.class, () -> StateFile.load(mlp, junk));
            assertTrue(j.getMessage().contains("is not a clengine state file"), j.getMessage());
        }
    }
}
