package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.clengine.backend.Backend;
import org.clengine.nn.Add;
import org.clengine.nn.Module;
import org.clengine.nn.Sequential;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Export → import → run on the engine gives what the nn model gives in evaluation mode: bit for bit unfolded
 * (the importer makes the same calls with the same fusions), within {@link Tolerance#ONNX_FOLDED} with batch norm
 * folded into the convolutions. On both backends, at batch 1 and an odd batch.
 */
class OnnxRoundTripTest {
    static Stream<Arguments> cases() {
        return ExportModels.all().keySet().stream().flatMap(name -> Stream.of(Arguments.of(name, "reference"),
                Arguments.of(name, "opencl")));
    }

    static Backend backend(String which) {
        return which.equals("reference") ? TestBackends.REFERENCE : TestBackends.openCl();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void exportedModelRunsToTheSameBits(String name, String which) {
        Backend b = backend(which);
        ExportModels.Spec spec = ExportModels.all().get(name);
        long seed = TestBackends.seed();
        Random r = new Random(seed);
        try (Module model = ExportModels.randomizeNorms(spec.build().apply(b), seed)) {
            byte[] onnx = OnnxExport.toBytes(model, spec.sample());
            try (OnnxInference plain = OnnxInference.of(b, onnx, false);
                    OnnxInference folded = OnnxInference.of(b, onnx, true)) {
                for (int batch : new int[] {1, 5}) {
                    int[] shape = ExportModels.batchShape(batch, spec.sample());
                    float[] x = ExportModels.values(r, org.clengine.core.Tensor.elementCount(shape), -2, 2);
                    float[] want = ExportModels.evalOutput(model, x, shape);
                    OnnxTensor in = OnnxOps.tensor("input", shape, x);
                    float[] got = plain.run(List.of(in)).get(0).floats();
                    String where = name + " on " + b.name() + ", batch " + batch + ", seed " + seed;
                    assertBitwise(want, got, where);
                    Comparison c = Comparison.of("folded", want, folded.run(List.of(in)).get(0).floats(),
                            Tolerance.ONNX_FOLDED);
                    assertTrue(c.passed(), where + ": " + c);
                }
            }
        }
    }

    static void assertBitwise(float[] want, float[] got, String where) {
        assertEquals(want.length, got.length, where + ": output length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(where + ": element " + i + " is " + got[i] + ", the nn model gives "
                        + want[i]);
            }
        }
    }

    @Test
    void aModuleWithoutAnOnnxFormIsRefusedByName() {
        Backend b = TestBackends.REFERENCE;
        try (Sequential s = new Sequential(b, new Add(b))) {
            var e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(s, 3));
            assertTrue(e.getMessage().contains("Add at '0'"), e.getMessage());
        }
    }

    @Test
    void aGraphReadingAnUnknownValueIsRefusedAtLoad() {
        byte[] model = OnnxWriter.model(List.of(OnnxWriter.node("Relu", "", List.of("nowhere"), List.of("y"))),
                List.of("x"), List.of("y"), List.of());
        var e = assertThrows(OnnxFormatException.class, () -> OnnxInference.of(TestBackends.REFERENCE, model, true));
        assertTrue(e.getMessage().contains("reads 'nowhere'"), e.getMessage());
    }

    @Test
    void anOperatorTheEngineLacksIsRefusedAtLoad() {
        byte[] model = OnnxWriter.model(List.of(OnnxWriter.node("Tanh", "", List.of("x"), List.of("y"))),
                List.of("x"), List.of("y"), List.of());
        var e = assertThrows(OnnxFormatException.class, () -> OnnxInference.of(TestBackends.REFERENCE, model, true));
        assertTrue(e.getMessage().contains("operator Tanh is not in the engine"), e.getMessage());
    }
}
