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

    /**
     * numpy's matmul: the last two dimensions multiply, the leading (batch) dimensions broadcast (aligned from the
     * right, each pair equal or one of them 1), a 1-D A is a row [1, K] and a 1-D B a column [K, 1] whose added
     * dimension the output drops. One batched GEMM: an operand with a single matrix is read with batch stride 0,
     * one whose batch dimensions are the output's as is, any other is expanded on the host to the output's batch
     * first (its expanded size checked against {@link OnnxOps#MAX_OUTPUT_VALUES} like an output).
     */
    static final class MatMul implements OnnxOps.Op {
        @Override
        public int minInputs() {
            return 2;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor a = v.get(n.input(0)), bt = v.get(n.input(1));
            int[] ad = a.shape(), bd = bt.shape();
            if (ad.length == 0 || bd.length == 0) throw n.error("MatMul of a scalar (ONNX takes 1-D and up)");
            int[] a2 = ad.length == 1 ? new int[] {1, ad[0]} : ad, b2 = bd.length == 1 ? new int[] {bd[0], 1} : bd;
            int m = a2[a2.length - 2], k = a2[a2.length - 1], cols = b2[b2.length - 1];
            if (b2[b2.length - 2] != k) {
                throw n.error("A " + Arrays.toString(ad) + " and B " + Arrays.toString(bd) + ": the inner dimensions "
                        + k + " and " + b2[b2.length - 2] + " differ");
            }
            int[] lead = broadcast(n, Arrays.copyOf(a2, a2.length - 2), Arrays.copyOf(b2, b2.length - 2));
            long[] outDims = new long[lead.length + (ad.length == 1 ? 0 : 1) + (bd.length == 1 ? 0 : 1)];
            for (int i = 0; i < lead.length; i++) outDims[i] = lead[i];
            if (ad.length > 1) outDims[lead.length] = m;
            if (bd.length > 1) outDims[outDims.length - 1] = cols;
            OnnxOps.outputShape(n, lead.length == 0 ? new long[] {m, cols} : concat(lead, m, cols));
            int[] out = OnnxOps.outputShape(n, outDims);
            int batch = Arrays.stream(lead).reduce(1, (x, y) -> x * y); // ≤ the output's size, checked above
            Operand pa = Operand.of(n, "A", a.floats(), a2, lead, m * k);
            Operand pb = Operand.of(n, "B", bt.floats(), b2, lead, k * cols);
            MatmulShape shape = new MatmulShape(batch, m, cols, k, false, false);
            MatmulLayout layout = new MatmulLayout(0, k, pa.stride(), 0, cols, pb.stride(), 0, cols, m * cols);
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor c = s.full(Float.NaN, batch * m * cols);
                b.matmul().gemm(org.clengine.matmul.Gemm.of(c, s.tensor(pa.data(), pa.data().length),
                        s.tensor(pb.data(), pb.data().length), shape).layout(layout));
                return List.of(OnnxOps.tensor(n.outputs().get(0), out, c.toArray()));
            }
        }

        /** The broadcast of two batch shapes, aligned from the right. */
        static int[] broadcast(OnnxModel.Node n, int[] x, int[] y) {
            int[] out = new int[Math.max(x.length, y.length)];
            for (int i = 1; i <= out.length; i++) {
                int dx = i <= x.length ? x[x.length - i] : 1, dy = i <= y.length ? y[y.length - i] : 1;
                if (dx != dy && dx != 1 && dy != 1) {
                    throw n.error("batch dimensions " + Arrays.toString(x) + " and " + Arrays.toString(y)
                            + " do not broadcast (" + dx + " against " + dy + ")");
                }
                out[out.length - i] = Math.max(dx, dy);
            }
            return out;
        }

        private static long[] concat(int[] lead, int m, int cols) {
            long[] d = new long[lead.length + 2];
            for (int i = 0; i < lead.length; i++) d[i] = lead[i];
            d[lead.length] = m;
            d[lead.length + 1] = cols;
            return d;
        }
    }

    /** One operand's matrices as the batched GEMM reads them: its data and the stride between matrices. */
    record Operand(float[] data, int stride) {
        static Operand of(OnnxModel.Node n, String which, float[] data, int[] dims, int[] lead, int size) {
            int[] own = Arrays.copyOf(dims, dims.length - 2);
            int ownBatch = Arrays.stream(own).reduce(1, (x, y) -> x * y);
            if (ownBatch == 1) return new Operand(data, 0);
            int[] padded = new int[lead.length];
            Arrays.fill(padded, 1);
            System.arraycopy(own, 0, padded, lead.length - own.length, own.length);
            if (Arrays.equals(padded, lead)) return new Operand(data, size);
            long total = (long) Arrays.stream(lead).reduce(1, (x, y) -> x * y) * size;
            if (total > OnnxOps.MAX_OUTPUT_VALUES) {
                throw n.error(which + " " + Arrays.toString(dims) + " broadcast to the batch " + Arrays.toString(lead)
                        + " would hold " + total + " values, more than " + OnnxOps.MAX_OUTPUT_VALUES);
            }
            float[] out = new float[(int) total];
            int[] index = new int[lead.length];
            for (int b = 0; b * (long) size < total; b++) {
                int src = 0;
                for (int d = 0; d < lead.length; d++) src = src * padded[d] + (padded[d] == 1 ? 0 : index[d]);
                System.arraycopy(data, src * size, out, b * size, size);
                for (int d = lead.length - 1; d >= 0 && ++index[d] == lead[d]; d--) index[d] = 0;
            }
            return new Operand(out, size);
        }
    }
}
