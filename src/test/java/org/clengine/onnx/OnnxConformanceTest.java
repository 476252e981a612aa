package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX's own backend node tests (Debian's libonnx-testdata) through the engine. */
class OnnxConformanceTest {
    static final Path DATA = Path.of("/usr/share/libonnx-testdata/data");

    /** The 70 cases of the ops the engine has pass; none may fail; the rest are skipped with a reason. */
    static final Set<String> MUST_PASS = Set.of(
            "test_add", "test_averagepool_2d_default", "test_averagepool_2d_precomputed_pads",
            "test_averagepool_2d_precomputed_pads_count_include_pad", "test_averagepool_2d_precomputed_same_upper",
            "test_averagepool_2d_precomputed_strides", "test_averagepool_2d_strides", "test_basic_conv_with_padding",
            "test_basic_conv_without_padding", "test_batchnorm_epsilon", "test_batchnorm_epsilon_training_mode",
            "test_batchnorm_example", "test_batchnorm_example_training_mode", "test_conv_with_autopad_same",
            "test_conv_with_strides_and_asymmetric_padding", "test_conv_with_strides_no_padding",
            "test_conv_with_strides_padding", "test_flatten_axis0", "test_flatten_axis1", "test_flatten_axis2",
            "test_flatten_axis3", "test_flatten_default_axis", "test_flatten_negative_axis1",
            "test_flatten_negative_axis2", "test_flatten_negative_axis3", "test_flatten_negative_axis4",
            "test_gemm_all_attributes", "test_gemm_alpha", "test_gemm_beta", "test_gemm_default_matrix_bias",
            "test_gemm_default_no_bias", "test_gemm_default_scalar_bias",
            "test_gemm_default_single_elem_vector_bias", "test_gemm_default_vector_bias",
            "test_gemm_default_zero_bias", "test_gemm_transposeA", "test_gemm_transposeB", "test_globalaveragepool",
            "test_globalaveragepool_precomputed", "test_matmul_2d", "test_matmul_3d", "test_matmul_4d",
            "test_maxpool_2d_default", "test_maxpool_2d_precomputed_pads", "test_maxpool_2d_precomputed_same_upper",
            "test_maxpool_2d_precomputed_strides", "test_maxpool_2d_strides", "test_relu", "test_sigmoid",
            "test_sigmoid_example", "test_Sigmoid", "test_AvgPool2d",
            "test_AvgPool2d_stride", "test_BatchNorm1d_3d_input_eval", "test_BatchNorm2d_eval",
            "test_BatchNorm2d_momentum_eval", "test_Conv2d", "test_Conv2d_depthwise", "test_Conv2d_depthwise_padded",
            "test_Conv2d_depthwise_strided", "test_Conv2d_depthwise_with_multiplier", "test_Conv2d_dilated",
            "test_Conv2d_groups", "test_Conv2d_groups_thnn", "test_Conv2d_no_bias", "test_Conv2d_padding",
            "test_Conv2d_strided", "test_Linear", "test_MaxPool2d", "test_ReLU");

    @Test
    void nodeAndPytorchConvertedSuites(@TempDir Path out) throws Exception {
        boolean present = Files.isDirectory(DATA.resolve("node"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + DATA + " is missing; the launcher installs libonnx-testdata");
        }
        assumeTrue(present, "SKIPPED: " + DATA + " missing (apt-get install libonnx-testdata)");
        List<OnnxTestRunner.Result> results = OnnxTestRunner.runAll(TestBackends.openCl(),
                List.of(DATA.resolve("node"), DATA.resolve("pytorch-converted")), out);
        String failed = results.stream().filter(r -> r.status() == OnnxTestRunner.Status.FAIL).map(Object::toString)
                .collect(Collectors.joining("\n"));
        assertTrue(failed.isEmpty(), failed);
        Set<String> passed = results.stream().filter(r -> r.status() == OnnxTestRunner.Status.PASS)
                .map(OnnxTestRunner.Result::name).collect(Collectors.toSet());
        assertTrue(passed.containsAll(MUST_PASS), "not passing: " + MUST_PASS.stream()
                .filter(n -> !passed.contains(n)).toList());
        assertTrue(results.stream().filter(r -> r.status() == OnnxTestRunner.Status.SKIPPED)
                .allMatch(r -> !r.detail().isBlank()), "every skip says why");
        // what --out wrote reads back as the produced tensor
        OnnxTensor written = OnnxTensor.read(out.resolve("test_batchnorm_example/output_0.pb"));
        OnnxTensor expected = OnnxTensor.read(DATA.resolve("node/test_batchnorm_example/test_data_set_0/output_0.pb"));
        assertArrayEquals(expected.dims(), written.dims());
        assertArrayEquals(expected.floats(), written.floats(), 1e-5f);
    }

    @Test
    void damagedProtobufIsAClearError() {
        OnnxTensor t = OnnxRunnerHelpers.tensor();
        byte[] bytes = t.toProto();
        assertEquals(t.name(), OnnxTensor.parse(new ProtoReader(bytes)).name());
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        var e = assertThrows(OnnxFormatException.class, () -> OnnxTensor.parse(new ProtoReader(cut)));
        assertTrue(e.getMessage().contains("runs past the end") || e.getMessage().contains("truncated"),
                e.getMessage());
    }

    /** Test fixtures. */
    static final class OnnxRunnerHelpers {
        static OnnxTensor tensor() {
            return OnnxOps.tensor("x", new int[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-9f, Float.NaN});
        }
    }
}
