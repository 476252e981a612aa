package org.clengine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.clengine.backend.Backend;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ONNX MatMul with numpy's semantics: batch dimensions broadcast, 1-D operands promoted and their dimension
 * dropped. Checked against a plain-loop twin that indexes each operand by the output's coordinates, and, where
 * /usr/bin/python3 has onnx and numpy, against np.matmul through node-test directories written by onnx itself.
 */
class OnnxMatmulBroadcastTest {
    /** A shapes, B shapes, expected output shape. */
    static final int[][][] CASES = {
        {{2, 1, 3, 4}, {5, 4, 6}, {2, 5, 3, 6}}, {{3, 4}, {7, 2, 4, 5}, {7, 2, 3, 5}},
        {{4}, {2, 4, 3}, {2, 3}}, {{2, 3, 4}, {4}, {2, 3}}, {{7}, {7}, {}}, {{1, 3, 4}, {2, 4, 5}, {2, 3, 5}},
        {{2, 1, 3, 4}, {1, 5, 4, 2}, {2, 5, 3, 2}}, {{1, 1, 1, 1}, {3, 1, 1, 1}, {3, 1, 1, 1}},
        {{13, 1, 5, 11}, {17, 11, 3}, {13, 17, 5, 3}},
    };

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reference", "opencl"})
    void broadcastsAsNumpyDoes(String which) {
        Backend b = OnnxRoundTripTest.backend(which);
        long seed = TestBackends.seed();
        Random r = new Random(seed);
        for (int[][] c : CASES) {
            OnnxTensor a = random("a", c[0], r), bt = random("b", c[1], r);
            OnnxTensor y = OnnxOps.ALL.get("MatMul").run(b, node(), Map.of("a", a, "b", bt)).get(0);
            String where = Arrays.toString(c[0]) + " · " + Arrays.toString(c[1]) + " on " + b.name() + ", seed "
                    + seed;
            assertArrayEquals(Arrays.stream(c[2]).asLongStream().toArray(), y.dims(), where);
            Comparison cmp = Comparison.of(where, twin(a, bt, c[2]), y.floats(),
                    Tolerance.matmul(c[0][c[0].length - 1]));
            assertTrue(cmp.passed(), cmp.toString());
        }
    }

    @Test
    void batchDimensionsThatDoNotBroadcastAreANamedError() {
        Random r = new Random(1);
        var e = assertThrows(OnnxFormatException.class, () -> OnnxOps.ALL.get("MatMul").run(TestBackends.REFERENCE,
                node(), Map.of("a", random("a", new int[] {2, 3, 4}, r), "b", random("b", new int[] {3, 4, 5}, r))));
        assertTrue(e.getMessage().contains("do not broadcast (2 against 3)"), e.getMessage());
    }

    @Test
    void numpyAgreesThroughOnnxsOwnTestFormat(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && OnnxRuntimeCheckTest.run(python, "-c",
                "import onnx.checker, numpy").exitCode() == 0, "SKIPPED: /usr/bin/python3 lacks onnx or numpy");
        String script = String.join("\n", "import numpy as np, onnx, os, sys",
                "from onnx import helper, numpy_helper, TensorProto",
                "rng = np.random.default_rng(int(sys.argv[1]))",
                "for i, (sa, sb) in enumerate([((2,1,3,4),(5,4,6)), ((4,),(2,4,3)), ((3,1,2,5),(1,4,5,2)), ((6,),(6,))]):",
                "    d = os.path.join(sys.argv[2], 'test_matmul_bcast_%d' % i); s = os.path.join(d, 'test_data_set_0')",
                "    os.makedirs(s)",
                "    a = rng.standard_normal(sa).astype(np.float32); b = rng.standard_normal(sb).astype(np.float32)",
                "    y = np.matmul(a, b).astype(np.float32)",
                "    g = helper.make_graph([helper.make_node('MatMul', ['a', 'b'], ['y'])], 'g',",
                "        [helper.make_tensor_value_info('a', TensorProto.FLOAT, sa),",
                "         helper.make_tensor_value_info('b', TensorProto.FLOAT, sb)],",
                "        [helper.make_tensor_value_info('y', TensorProto.FLOAT, y.shape)])",
                "    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]); onnx.checker.check_model(m)",
                "    onnx.save(m, os.path.join(d, 'model.onnx'))",
                "    for name, t in (('input_0', a), ('input_1', b), ('output_0', y)):",
                "        open(os.path.join(s, name + '.pb'), 'wb').write(numpy_helper.from_array(t).SerializeToString())",
                "");
        long seed = TestBackends.seed() & 0x7fffffff;
        var o = OnnxRuntimeCheckTest.run(python, "-c", script, Long.toString(seed), dir.toString());
        assertEquals(0, o.exitCode(), o.output());
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            List<OnnxTestRunner.Result> results = OnnxTestRunner.runAll(b, List.of(dir), null);
            assertEquals(4, results.size());
            for (OnnxTestRunner.Result res : results) {
                assertEquals(OnnxTestRunner.Status.PASS, res.status(), res + " on " + b.name() + ", seed " + seed);
            }
        }
    }

    private static OnnxModel.Node node() {
        return new OnnxModel.Node("", "MatMul", "", List.of("a", "b"), List.of("y"), Map.of());
    }

    static OnnxTensor random(String name, int[] shape, Random r) {
        float[] v = new float[Arrays.stream(shape).reduce(1, (x, y) -> x * y)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return OnnxOps.tensor(name, shape, v);
    }

    /**
     * The plain math: each output element is a dot product of A's row and B's column picked by the output's
     * coordinates (a batch dimension of size 1 reads index 0), in double. y is {@code out}: batch..., [M], [N].
     */
    static float[] twin(OnnxTensor a, OnnxTensor b, int[] out) {
        int[] ad = a.shape(), bd = b.shape();
        boolean av = ad.length == 1, bv = bd.length == 1;
        int k = ad[ad.length - 1];
        int m = av ? 1 : ad[ad.length - 2], n = bv ? 1 : bd[bd.length - 1];
        int lead = out.length - (av ? 0 : 1) - (bv ? 0 : 1);
        int count = Arrays.stream(out).reduce(1, (x, y) -> x * y);
        float[] y = new float[count];
        int[] coord = new int[out.length];
        for (int e = 0; e < count; e++) {
            int rem = e;
            for (int d = out.length - 1; d >= 0; d--) {
                coord[d] = rem % out[d];
                rem /= out[d];
            }
            int i = av ? 0 : coord[lead], j = bv ? 0 : coord[out.length - 1];
            double sum = 0;
            for (int p = 0; p < k; p++) {
                sum += (double) a.floats()[index(ad, coord, lead, av ? new int[] {p} : new int[] {i, p})]
                        * b.floats()[index(bd, coord, lead, bv ? new int[] {p} : new int[] {p, j})];
            }
            y[e] = (float) sum;
        }
        return y;
    }

    /** The flat index in a tensor of {@code dims} of its matrix coordinates {@code tail}, batch from coord. */
    private static int index(int[] dims, int[] coord, int lead, int[] tail) {
        int batchDims = dims.length - tail.length;
        int idx = 0;
        for (int d = 0; d < dims.length; d++) {
            int c = d < batchDims ? (dims[d] == 1 ? 0 : coord[lead - batchDims + d]) : tail[d - batchDims];
            idx = idx * dims[d] + c;
        }
        return idx;
    }
}
