package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.device.DeviceManager;
import org.clengine.nn.Module;
import org.clengine.testing.Fuzz;
import org.clengine.testing.Mutations;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * Whole exported models, mutated, through {@link OnnxInference} (load, plan, fold, run): every case runs or ends in
 * the engine's exception or an IllegalArgumentException with a message, within the node runner's allocation and
 * time bounds; one in eight also runs on OpenCL and must end the same way.
 */
class OnnxInferenceFuzzTest {
    record Seed(String name, byte[] model, int[] sample) {
    }

    @Test
    void mutatedExportedModels() throws Exception {
        List<Seed> corpus = new ArrayList<>();
        for (String name : List.of("every-op", "cnn-NONE", "resnet", "mlp")) {
            ExportModels.Spec spec = ExportModels.all().get(name);
            try (Module m = ExportModels.randomizeNorms(spec.build().apply(TestBackends.REFERENCE), 1)) {
                corpus.add(new Seed(name, OnnxExport.toBytes(m, spec.sample()), spec.sample()));
            }
        }
        Fuzz.Report rep = Fuzz.run("onnx-inference", r -> () -> {
            Seed s = corpus.get(r.nextInt(corpus.size()));
            byte[] model = Mutations.mutate(s.model(), r);
            int[] shape = ExportModels.batchShape(1 + r.nextInt(3), s.sample());
            if (r.nextInt(8) == 0) shape[1 + r.nextInt(shape.length - 1)] = 1 + r.nextInt(40);
            boolean fold = r.nextBoolean();
            float[] x = ExportModels.values(r, Tensor.elementCount(shape), -3, 3);
            String ref = outcome(TestBackends.REFERENCE, model, fold, shape, x);
            if (r.nextInt(8) == 0 && DeviceManager.available()) {
                String cl = outcome(TestBackends.openCl(), model, fold, shape, x);
                if (!cl.equals(ref)) throw new AssertionError("reference: " + ref + "; OpenCL: " + cl);
            }
            if (ref.startsWith("!")) throw new Ended(ref.substring(1));
            return s.name() + " " + ref;
        }, t -> OnnxFuzzTest.expected(t) || t instanceof Ended, OnnxFuzzTest.MAX_ALLOCATION,
                OnnxFuzzTest.TIMEOUT_SECONDS);
        assertTrue(rep.findings().isEmpty(), rep.toString());
    }

    /** How one backend ended: "ran", or "!" and the exception's class and message (rethrown by the case). */
    static String outcome(Backend b, byte[] model, boolean fold, int[] shape, float[] x) {
        try (OnnxInference inf = OnnxInference.of(b, model, fold)) {
            List<OnnxTensor> in = new ArrayList<>();
            for (int i = 0; i < inf.inputNames().size(); i++) in.add(OnnxOps.tensor("input", shape, x));
            inf.run(in);
            return "ran";
        } catch (RuntimeException e) {
            if (!OnnxFuzzTest.expected(e)) throw e;
            return "!" + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** An expected exception, carried out of the case with its message, both backends having agreed. */
    static final class Ended extends IllegalArgumentException {
        Ended(String message) {
            super(message);
        }
    }
}
