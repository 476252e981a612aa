package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.clengine.backend.Backend;
import org.clengine.core.ClEngineException;
import org.clengine.device.DeviceManager;
import org.clengine.testing.Fuzz;
import org.clengine.testing.Mutations;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * ONNX models and tensors, mutated and crafted, through the parser and the operators. Every case runs, is skipped
 * with a reason, or ends in the engine's exception or an IllegalArgumentException with a message; one in eight also
 * runs on OpenCL, which must end the same way and, when both run, agree with the reference.
 */
class OnnxFuzzTest {
    /**
     * Bytes one case may allocate: the largest output a node may produce (2^26 floats, 256 MiB) a few times over
     * (the output, its NaN-poisoned buffer, the copy read back); an allocation sized by a file's lie is far beyond.
     */
    static final long MAX_ALLOCATION = 6 * (OnnxOps.MAX_OUTPUT_VALUES * 4);

    /**
     * Seconds one case may take before it counts as a hang: a node near the output limit runs for seconds on a
     * loaded two-core machine (17 s seen), and a hang is a case that never ends.
     */
    static final int TIMEOUT_SECONDS = 120;

    /** One model and the bytes of its graph inputs. */
    record Seed(String name, byte[] model, List<byte[]> inputs) {
    }

    @Test
    void mutatedModelsAndTensors() throws Exception {
        List<Seed> corpus = corpus();
        Fuzz.Report rep = Fuzz.run("onnx-mutation", r -> () -> {
            Seed s = corpus.get(r.nextInt(corpus.size()));
            byte[] model = s.model();
            List<byte[]> inputs = new ArrayList<>(s.inputs());
            int what = r.nextInt(3);
            if (what != 1 || inputs.isEmpty()) model = Mutations.mutate(model, r);
            if (what != 0 && !inputs.isEmpty()) {
                int k = r.nextInt(inputs.size());
                inputs.set(k, Mutations.mutate(inputs.get(k), r));
            }
            return runBoth(model, inputs, r.nextInt(8) == 0);
        }, OnnxFuzzTest::expected, MAX_ALLOCATION, TIMEOUT_SECONDS);
        assertTrue(rep.findings().isEmpty(), rep.toString());
    }

    @Test
    void craftedAttributesAndDims() throws Exception {
        Fuzz.Report rep = Fuzz.run("onnx-crafted", r -> () -> {
            OnnxCases.Case c = OnnxCases.draw(r, true);
            return c.op() + " " + runBoth(c.model(), c.inputs().stream().map(OnnxWriter.Message::toBytes).toList(),
                    r.nextInt(8) == 0);
        }, OnnxFuzzTest::expected, MAX_ALLOCATION, TIMEOUT_SECONDS);
        assertTrue(rep.findings().isEmpty(), rep.toString());
    }

    static boolean expected(Throwable t) {
        return t instanceof ClEngineException || t instanceof IllegalArgumentException;
    }

    /**
     * ONNX's node tests of the engine's operators (Debian's libonnx-testdata) when installed, else sane one-node
     * models written here.
     */
    static List<Seed> corpus() throws IOException {
        List<Seed> out = new ArrayList<>();
        for (String name : OnnxConformanceTest.MUST_PASS) {
            for (String suite : List.of("node", "pytorch-converted")) {
                Path dir = OnnxConformanceTest.DATA.resolve(suite).resolve(name);
                if (!Files.isRegularFile(dir.resolve("model.onnx"))) continue;
                List<byte[]> inputs = new ArrayList<>();
                for (int i = 0; Files.isRegularFile(dir.resolve("test_data_set_0/input_" + i + ".pb")); i++) {
                    inputs.add(Files.readAllBytes(dir.resolve("test_data_set_0/input_" + i + ".pb")));
                }
                out.add(new Seed(name, Files.readAllBytes(dir.resolve("model.onnx")), inputs));
            }
        }
        Random r = new Random(1);
        while (out.size() < 60) {
            OnnxCases.Case c = OnnxCases.draw(r, false);
            out.add(new Seed(c.op(), c.model(), c.inputs().stream().map(OnnxWriter.Message::toBytes).toList()));
        }
        return out;
    }

    /** How one backend ends: a label, the values when it ran, or the exception. */
    record Outcome(String label, Map<String, OnnxTensor> values, boolean tame, RuntimeException error) {
    }

    /** Runs on the reference, and on OpenCL too when asked; the two must end alike. */
    static String runBoth(byte[] model, List<byte[]> inputs, boolean openCl) {
        Outcome ref = outcome(TestBackends.REFERENCE, model, inputs);
        if (openCl && DeviceManager.available()) agree(ref, outcome(TestBackends.openCl(), model, inputs));
        if (ref.error() != null) throw ref.error();
        return ref.label() + (openCl ? " (both)" : "");
    }

    static Outcome outcome(Backend b, byte[] model, List<byte[]> inputs) {
        try {
            OnnxModel m = OnnxModel.parse(model, "fuzz");
            Map<String, OnnxTensor> values = new HashMap<>(m.initializers());
            List<String> free = m.inputs().stream().filter(i -> !m.initializers().containsKey(i)).toList();
            for (int i = 0; i < inputs.size() && i < free.size(); i++) {
                values.put(free.get(i), OnnxTensor.parse(new ProtoReader(inputs.get(i))));
            }
            boolean tame = values.values().stream().allMatch(OnnxFuzzTest::tame);
            String skip = OnnxTestRunner.execute(b, m, values);
            return new Outcome(skip == null ? "ran" : "skipped", values, tame, null);
        } catch (RuntimeException e) {
            return new Outcome(e.getClass().getSimpleName(), null, false, e);
        }
    }

    /** Values small enough that no summation order can cancel them into a different answer. */
    static boolean tame(OnnxTensor t) {
        for (float v : t.floats()) if (!(Math.abs(v) <= 1e4)) return false;
        return true;
    }

    /** Same ending; when both ran, the same values within a tolerance loose enough for any summation order. */
    static void agree(Outcome ref, Outcome cl) {
        if (!ref.label().equals(cl.label())) {
            throw new AssertionError("reference " + ref.label() + " (" + message(ref) + "), OpenCL " + cl.label() + " ("
                    + message(cl) + ")");
        }
        if (ref.values() == null || !ref.tame()) return;
        ref.values().forEach((name, want) -> {
            float[] a = want.floats(), b = cl.values().get(name).floats();
            double scale = 1;
            for (float v : a) if (Float.isFinite(v)) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < a.length; i++) {
                boolean same = a[i] == b[i] || (Float.isNaN(a[i]) && Float.isNaN(b[i]))
                        || Math.abs((double) a[i] - b[i]) <= 1e-3 * scale;
                if (!same && Float.isFinite(a[i]) && Math.abs(a[i]) < 1e30) {
                    throw new AssertionError("silent wrong result: '" + name + "'[" + i + "] is " + a[i]
                            + " on the reference, " + b[i] + " on OpenCL");
                }
            }
        });
    }

    private static String message(Outcome o) {
        return o.error() == null ? "" : o.error().getMessage();
    }
}
