package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.train.Models;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every train model both ways between the engine and PyTorch (torch_safetensors.py, the models' twins): a model
 * trained and saved by the engine loads into its twin with {@code load_state_dict(strict=True)} and gives the
 * engine's eval outputs; a twin trained and saved by PyTorch loads into the engine and gives PyTorch's. Within
 * {@link Tolerance#PEER_MODEL}. Runs where /usr/bin/python3 imports torch (Debian's python3-torch); skipped with a
 * message elsewhere. One Python process does every case, since importing torch takes seconds.
 */
class SafeTensorsTorchTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final int N = 3;

    @TempDir
    Path dir;

    record Case(Backend backend, Models.Kind kind, Models.Norm norm, Path dir) {
        Sequential build(long seed) {
            return Models.build(kind, backend, 2, 8, 8, 5, norm, seed);
        }
    }

    @Test
    void modelsLoadIntoTheirPytorchTwinsAndBack() throws Exception {
        Assumptions.assumeTrue(torchPresent(), "skipped: /usr/bin/python3 with torch was not found (Debian: apt-get "
                + "install python3-torch); the Java-only round trip is SafeTensorsTest");
        List<Case> cases = new ArrayList<>();
        for (Models.Kind kind : Models.Kind.values()) {
            for (Models.Norm norm : Models.Norm.values()) {
                if (kind == Models.Kind.RESNET && norm == Models.Norm.AFTER_RELU) continue;
                cases.add(new Case(TestBackends.REFERENCE, kind, norm, dir.resolve(kind + "-" + norm)));
            }
        }
        cases.add(new Case(TestBackends.openCl(), Models.Kind.RESNET, Models.Norm.BEFORE_RELU, dir.resolve("opencl")));
        RandomFill r = new RandomFill(TestBackends.seed());
        float[] x = r.normal(N * 2 * 8 * 8);
        for (Case c : cases) prepare(c, x, r);
        python(cases);
        for (Case c : cases) check(c, x);
    }

    /** Trains the engine's model a few steps (running statistics and counters move), saves it, writes x. */
    private static void prepare(Case c, float[] x, RandomFill r) throws IOException {
        Files.createDirectories(c.dir());
        Backend b = c.backend();
        try (Sequential m = c.build(1);
                Sgd sgd = new Sgd(m.parameters(), 0.1, 0.9, 0);
                SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b);
                Tensor xt = b.tensor(r.normal(x.length), N, 2, 8, 8);
                Tensor y = b.tensor(new float[] {0, 1, 2}, N)) {
            for (int step = 0; step < 2; step++) {
                loss.forward(m.forward(xt), y, true);
                m.backward(loss.backward());
                sgd.step();
            }
            SafeTensors.save(m, c.dir().resolve("clengine.safetensors"));
        }
        Files.write(c.dir().resolve("x.f32"), bytes(x));
        Files.writeString(c.dir().resolve("case.txt"), c.kind() + " " + c.norm() + " 2 8 8 5 " + N + " 7\n");
    }

    private static void check(Case c, float[] x) throws IOException {
        Backend b = c.backend();
        String what = c.kind() + " " + c.norm() + " on " + b.name();
        try (Sequential mine = c.build(1); Sequential theirs = c.build(2); Tensor xt = b.tensor(x, N, 2, 8, 8)) {
            SafeTensors.load(mine, c.dir().resolve("clengine.safetensors"));
            compare(what + ", engine's weights in PyTorch", mine.eval().forward(xt).toArray(),
                    floats(c.dir().resolve("y_from_clengine.f32")));
            SafeTensors.load(theirs, c.dir().resolve("torch.safetensors"));
            assertEquals(3L, theirs.counters().values().stream().findFirst().orElse(3L), what + ": PyTorch's counter");
            compare(what + ", PyTorch's weights in the engine", floats(c.dir().resolve("y_torch.f32")),
                    theirs.eval().forward(xt).toArray());
        }
    }

    private static void compare(String what, float[] ref, float[] got) {
        Comparison cmp = Comparison.of("y", ref, got, Tolerance.PEER_MODEL);
        assertTrue(cmp.passed(), what + ": " + cmp);
    }

    private static boolean torchPresent() throws InterruptedException {
        if (!Files.isExecutable(PYTHON)) return false;
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private void python(List<Case> cases) throws IOException, InterruptedException {
        Path script = dir.resolve("torch_safetensors.py");
        try (InputStream in = SafeTensorsTorchTest.class.getResourceAsStream("torch_safetensors.py")) {
            Files.copy(in, script);
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        cases.forEach(c -> cmd.add(c.dir().toString()));
        Path log = dir.resolve("python.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("torch_safetensors.py took more than 300 s");
        }
        assertEquals(0, p.exitValue(), () -> "torch_safetensors.py failed:\n" + readLog(log));
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static float[] floats(Path p) throws IOException {
        byte[] raw = Files.readAllBytes(p);
        float[] v = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}
