package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.device.KernelFamily;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulShape;
import org.clengine.nn.Module;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where an imported model's time goes ({@link OnnxInference#profile}), and the weights it prepares at plan time. */
class OnnxInferenceProfileTest {

    /** One entry per step (a fused group named by its nodes), and a profiled run computes what a plain run does. */
    @Test
    void profileNamesEveryStepAndChangesNoResult() {
        OpenClBackend b = TestBackends.openCl();
        ExportModels.Spec spec = ExportModels.all().get("cnn-BEFORE_RELU");
        long seed = TestBackends.seed();
        try (Module model = ExportModels.randomizeNorms(spec.build().apply(b), seed);
                OnnxInference inf = OnnxInference.of(b, OnnxExport.toBytes(model, spec.sample()), true)) {
            int[] shape = ExportModels.batchShape(3, spec.sample());
            float[] x = ExportModels.values(new Random(seed), Tensor.elementCount(shape), -2, 2);
            try (Tensor in = b.tensor(x, shape)) {
                float[] plain = inf.runOnBackend(List.of(in)).get(0).toArray();
                Map<String, Double> steps = inf.profile(List.of(in), 3);
                assertArrayEquals(plain, inf.runOnBackend(List.of(in)).get(0).toArray(), "seed " + seed);
                List<String> names = new ArrayList<>(steps.keySet());
                assertEquals(8, names.size(), names.toString());
                assertTrue(names.get(0).startsWith("0 Conv+BatchNormalization+Relu ("), names.get(0));
                assertTrue(names.get(1).startsWith("1 MaxPool ("), names.get(1));
                assertTrue(names.get(7).startsWith("7 Gemm ("), names.get(7));
                assertTrue(steps.values().stream().allMatch(t -> t >= 0), steps.toString());
                assertThrows(IllegalArgumentException.class, () -> inf.profile(List.of(in), 0));
            }
        }
    }

    /**
     * A Linear layer's weight (Gemm with transB = 1) is transposed once at plan time, so a run packs no weight: the
     * MLP's 256-wide layers read theirs in place (each packed it per run before; the 10-wide last layer is small
     * enough at batch 4 for the plain kernel, which reads B in place either way).
     */
    @Test
    void linearWeightsArePreparedOnceNotPackedPerRun(@TempDir Path cache) {
        Device shared = TestBackends.device();
        List<String> launched = new ArrayList<>();
        try (Device d = Device.open(shared.info(), cache, (k, o) -> launched.add(k.name()));
                OpenClBackend b = new OpenClBackend(d)) {
            MatmulPath path = b.policy().matmul().pathFor(new MatmulShape(1, 4, 256, 35, false, false));
            org.junit.jupiter.api.Assumptions.assumeTrue(b.policy().family() == KernelFamily.CPU
                    && (path == MatmulPath.DIRECT_B || path == MatmulPath.DIRECT_AB),
                    "the GEMMs here read B in place only on the CPU family's packed paths");
            ExportModels.Spec spec = ExportModels.all().get("mlp");
            try (Module model = spec.build().apply(b);
                    OnnxInference inf = OnnxInference.of(b, OnnxExport.toBytes(model, spec.sample()), true)) {
                int[] shape = ExportModels.batchShape(4, spec.sample());
                float[] x = ExportModels.values(new Random(1), Tensor.elementCount(shape), -2, 2);
                try (Tensor in = b.tensor(x, shape)) {
                    inf.runOnBackend(List.of(in));
                    launched.clear();
                    inf.runOnBackend(List.of(in));
                    b.finish();
                }
            }
        }
        assertEquals(0, launched.stream().filter("matmul_pack_b"::equals).count(), launched.toString());
    }
}
