package org.clengine.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;

/**
 * Gemm and MatMul on the engine's GEMM. The operands' inner dimensions must agree and the product's size is
 * checked against {@link OnnxOps#MAX_OUTPUT_VALUES} before C is allocated.
 */
final class OnnxMatmulOps {
    private OnnxMatmulOps() {
    }

    /** Y = alpha·op(A)·op(B) + beta·C, C broadcast to M×N on the host. */
    static final class Gemm implements OnnxOps.Op {
        @Override
        public int minInputs() {
            return 2;
        }

        @Override
        public int maxInputs() {
            return 3;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor a = v.get(n.input(0));
            OnnxTensor bt = v.get(n.input(1));
            int[] ad = a.shape(), bd = bt.shape();
            if (ad.length != 2 || bd.length != 2) {
                throw n.error("A " + Arrays.toString(ad) + " and B " + Arrays.toString(bd) + ": Gemm takes 2-D A and B");
            }
            boolean ta = n.intAttr("transA", 0, 0, 1) != 0, tb = n.intAttr("transB", 0, 0, 1) != 0;
            int m = ta ? ad[1] : ad[0], k = ta ? ad[0] : ad[1];
            int kb = tb ? bd[1] : bd[0], cols = tb ? bd[0] : bd[1];
            if (k != kb) {
                throw n.error("op(A) is " + m + "×" + k + " and op(B) " + kb + "×" + cols + " (transA " + (ta ? 1 : 0)
                        + ", transB " + (tb ? 1 : 0) + "): the inner dimensions differ");
            }
            int[] out = OnnxOps.outputShape(n, m, cols);
            OnnxTensor c = n.input(2) == null ? null : v.get(n.input(2));
            float beta = c == null ? 0 : n.f("beta", 1f);
            float[] cData = c == null ? new float[m * cols] : broadcast(n, c, m, cols);
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor y = s.tensor(cData, m * cols);
                b.matmul().gemm(org.clengine.matmul.Gemm.of(y, s.tensor(a.floats(), a.size()),
                        s.tensor(bt.floats(), bt.size()), new MatmulShape(1, m, cols, k, ta, tb))
                        .params(MatmulParams.of(n.f("alpha", 1f), beta)));
                return List.of(OnnxOps.tensor(n.outputs().get(0), out, y.toArray()));
            }
        }

        /** C of shape (), (1), (N), (1,N), (M,1), (M,N) or (1,1) spread over M×N; any other shape is an error. */
        static float[] broadcast(OnnxModel.Node n, OnnxTensor c, int m, int cols) {
            int[] d = c.shape();
            int rows = d.length == 2 ? d[0] : 1, width = d.length == 0 ? 1 : d[d.length - 1];
            if (d.length > 2 || (rows != 1 && rows != m) || (width != 1 && width != cols)) {
                throw n.error("C " + Arrays.toString(d) + " does not broadcast to the output [" + m + ", " + cols + "]");
            }
            float[] out = new float[m * cols];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < cols; j++) {
                    out[i * cols + j] = c.floats()[(rows == 1 ? 0 : i) * width + (width == 1 ? 0 : j)];
                }
            }
            return out;
        }
    }

    /** 2-D, or batched with equal leading dimensions, or one 2-D operand shared across the other's batches. */
    static final class MatMul implements OnnxOps.Op {
        @Override
        public int minInputs() {
            return 2;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            int[] a = v.get(n.input(0)).shape(), b = v.get(n.input(1)).shape();
            if (a.length < 2 || b.length < 2) return "MatMul with a 1-D operand";
            if (a.length == 2 || b.length == 2) return null;
            return Arrays.equals(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2)) ? null
                    : "MatMul with broadcast batch dimensions";
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor a = v.get(n.input(0)), bt = v.get(n.input(1));
            int[] ad = a.shape(), bd = bt.shape();
            int m = ad[ad.length - 2], k = ad[ad.length - 1], cols = bd[bd.length - 1];
            if (bd[bd.length - 2] != k) {
                throw n.error("A " + Arrays.toString(ad) + " and B " + Arrays.toString(bd) + ": the inner dimensions "
                        + k + " and " + bd[bd.length - 2] + " differ");
            }
            int[] lead = ad.length >= bd.length ? Arrays.copyOf(ad, ad.length - 2) : Arrays.copyOf(bd, bd.length - 2);
            long[] outDims = new long[lead.length + 2];
            long batch = 1;
            for (int i = 0; i < lead.length; i++) {
                outDims[i] = lead[i];
                batch *= lead[i]; // the dims of an existing tensor: the product is at most its size
            }
            outDims[lead.length] = m;
            outDims[lead.length + 1] = cols;
            int[] out = OnnxOps.outputShape(n, outDims);
            MatmulShape shape = new MatmulShape((int) batch, m, cols, k, false, false);
            MatmulLayout layout = new MatmulLayout(0, k, ad.length == 2 ? 0 : m * k, 0, cols,
                    bd.length == 2 ? 0 : k * cols, 0, cols, m * cols);
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor c = s.full(Float.NaN, (int) batch * m * cols);
                b.matmul().gemm(org.clengine.matmul.Gemm.of(c, s.tensor(a.floats(), a.size()),
                        s.tensor(bt.floats(), bt.size()), shape).layout(layout));
                return List.of(OnnxOps.tensor(n.outputs().get(0), out, c.toArray()));
            }
        }
    }
}
