package org.clengine.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.MomentumConvention;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.pooling.Pool2dParams;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;

/** ONNX operators mapped onto Backend ops. Values move between nodes as host tensors. */
final class OnnxOps {
    private OnnxOps() {
    }

    /** One operator: why a node cannot run (null when it can), and running it. */
    interface Op {
        /** Why the engine cannot run this node as given, or null when it can (the default: always). */
        default String unsupported(OnnxModel.Node node, Map<String, OnnxTensor> values) {
            return null;
        }

        List<OnnxTensor> run(Backend b, OnnxModel.Node node, Map<String, OnnxTensor> values);
    }

    static final Map<String, Op> ALL = Map.ofEntries(Map.entry("BatchNormalization", new BatchNormalization()),
            Map.entry("Conv", new Conv()), Map.entry("Relu", new Relu()), Map.entry("Add", new Add()),
            Map.entry("Flatten", new Flatten()), Map.entry("Gemm", new Gemm()), Map.entry("MatMul", new MatMul()),
            Map.entry("MaxPool", new Pool(true)), Map.entry("AveragePool", new Pool(false)),
            Map.entry("GlobalAveragePool", new GlobalAveragePool()));

    static OnnxTensor tensor(String name, int[] shape, float[] data) {
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        return new OnnxTensor(name, dims, OnnxTensor.FLOAT, data, new long[0]);
    }

    /** Inference with the given statistics, or training_mode = 1 with ONNX's running-statistics convention. */
    static final class BatchNormalization implements Op {
        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            int rank = v.get(n.input(0)).dims().length;
            if (rank < 2 || rank > 4) return "BatchNormalization on rank-" + rank + " input (the engine takes 2-D to 4-D)";
            if (n.i("spatial", 1) != 1) return "BatchNormalization with spatial = 0 (opset < 9)";
            if (n.i("training_mode", 0) == 1 && n.outputs().size() > 3) return "saved mean/var outputs";
            if (n.i("training_mode", 0) == 0 && n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
                return "BatchNormalization with more than one output outside training mode (opset < 9)";
            }
            return null;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            int c = x.shape()[1];
            BatchNormConfig cfg = BatchNormConfig.DEFAULT.withEps(n.f("epsilon", 1e-5f))
                    .withMomentum((double) n.f("momentum", 0.9f)).withConvention(MomentumConvention.ONNX);
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor xt = s.tensor(x.floats(), x.shape());
                Tensor y = s.full(Float.NaN, x.shape());
                Tensor gamma = s.tensor(v.get(n.input(1)).floats(), c);
                Tensor beta = s.tensor(v.get(n.input(2)).floats(), c);
                Tensor mean = s.tensor(v.get(n.input(3)).floats(), c);
                Tensor var = s.tensor(v.get(n.input(4)).floats(), c);
                BatchNormRunningStats running = new BatchNormRunningStats(mean, var, 0);
                if (n.i("training_mode", 0) == 0) {
                    b.batchNorm().forwardInference(BatchNormInference.of(y, xt, running).affine(gamma, beta)
                            .config(cfg));
                    return List.of(tensor(n.outputs().get(0), x.shape(), y.toArray()));
                }
                BatchNormSaved saved = new BatchNormSaved(s.full(0f, c), s.full(0f, c));
                b.batchNorm().forwardTraining(BatchNormTraining.of(y, saved, xt).affine(gamma, beta).running(running)
                        .config(cfg));
                return List.of(tensor(n.outputs().get(0), x.shape(), y.toArray()),
                        tensor(n.outputs().get(1), new int[] {c}, mean.toArray()),
                        tensor(n.outputs().get(2), new int[] {c}, var.toArray()));
            }
        }
    }

    /** 2-D convolution: pads, strides, dilations, group, auto_pad, optional bias. */
    static final class Conv implements Op {
        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            int rank = v.get(n.input(0)).dims().length;
            if (rank != 4) return "Conv on rank-" + rank + " input (the engine's conv2d takes N×C×H×W)";
            return null;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            OnnxTensor w = v.get(n.input(1));
            OnnxTensor bias = n.input(2) == null ? null : v.get(n.input(2));
            Conv2dParams p = params(n, x.shape(), w.shape());
            Conv2dShape shape = Conv2dShape.of(x.shape(), w.shape(), p);
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor y = s.full(Float.NaN, shape.yDims());
                b.conv2d().forward(y, s.tensor(x.floats(), x.shape()), s.tensor(w.floats(), w.shape()),
                        bias == null ? null : s.tensor(bias.floats(), shape.k()), p);
                return List.of(tensor(n.outputs().get(0), shape.yDims(), y.toArray()));
            }
        }

        static Conv2dParams params(OnnxModel.Node n, int[] x, int[] w) {
            long[] strides = or(n.ints("strides"), 1, 1);
            long[] dil = or(n.ints("dilations"), 1, 1);
            long[] pads = or(n.ints("pads"), 0, 0, 0, 0);
            String autoPad = n.s("auto_pad", "NOTSET");
            if (autoPad.startsWith("SAME")) {
                pads = new long[4];
                for (int d = 0; d < 2; d++) {
                    long in = x[2 + d];
                    long out = (in + strides[d] - 1) / strides[d];
                    long total = Math.max(0, (out - 1) * strides[d] + (w[2 + d] - 1) * dil[d] + 1 - in);
                    long small = total / 2;
                    pads[d] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    pads[d + 2] = total - pads[d];
                }
            }
            return new Conv2dParams((int) strides[0], (int) strides[1], (int) pads[0], (int) pads[2], (int) pads[1],
                    (int) pads[3], (int) dil[0], (int) dil[1], (int) n.i("group", 1), false);
        }
    }

    /** The node's one output, of x's shape: allocated NaN-poisoned, written by {@code op}, read back. */
    static List<OnnxTensor> elementwise(Backend b, OnnxModel.Node n, OnnxTensor x,
            java.util.function.BiConsumer<TensorScope, Tensor> op) {
        try (TensorScope s = new TensorScope(b.memory())) {
            Tensor y = s.full(Float.NaN, x.shape());
            op.accept(s, y);
            return List.of(tensor(n.outputs().get(0), x.shape(), y.toArray()));
        }
    }

    static long[] or(long[] value, long... fallback) {
        return value == null || value.length == 0 ? fallback : value;
    }

    /** Element by element, any shape. */
    static final class Relu implements Op {
        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            return elementwise(b, n, x, (s, y) -> b.elementwise().reluForward(y, s.tensor(x.floats(), x.shape())));
        }
    }

    /** Two tensors of one shape (the engine does not broadcast). */
    static final class Add implements Op {
        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            return Arrays.equals(v.get(n.input(0)).dims(), v.get(n.input(1)).dims()) ? null
                    : "Add with broadcasting (the engine adds tensors of one shape)";
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            return elementwise(b, n, x, (s, y) -> b.elementwise().add(y, s.tensor(x.floats(), x.shape()),
                    s.tensor(v.get(n.input(1)).floats(), x.shape())));
        }
    }

    /** A reshape to 2-D around {@code axis}: no computation, done on the host. */
    static final class Flatten implements Op {
        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            int rank = x.dims().length;
            int axis = (int) n.i("axis", 1);
            if (axis < 0) axis += rank;
            int outer = 1;
            for (int i = 0; i < axis; i++) outer *= x.shape()[i];
            return List.of(tensor(n.outputs().get(0), new int[] {outer, x.size() / Math.max(1, outer)}, x.floats()));
        }
    }

    /** Y = alpha·op(A)·op(B) + beta·C, C broadcast to M×N on the host. */
    static final class Gemm implements Op {
        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor a = v.get(n.input(0));
            OnnxTensor bt = v.get(n.input(1));
            boolean ta = n.i("transA", 0) != 0, tb = n.i("transB", 0) != 0;
            int m = ta ? a.shape()[1] : a.shape()[0], k = ta ? a.shape()[0] : a.shape()[1];
            int cols = tb ? bt.shape()[0] : bt.shape()[1];
            OnnxTensor c = n.input(2) == null ? null : v.get(n.input(2));
            float beta = c == null ? 0 : n.f("beta", 1f);
            float[] cData = c == null ? new float[m * cols] : broadcast(c, m, cols);
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor out = s.tensor(cData, m * cols);
                b.matmul().gemm(org.clengine.matmul.Gemm.of(out, s.tensor(a.floats(), a.size()), s.tensor(bt.floats(), bt.size()),
                        new MatmulShape(1, m, cols, k, ta, tb)).params(MatmulParams.of(n.f("alpha", 1f), beta)));
                return List.of(tensor(n.outputs().get(0), new int[] {m, cols}, out.toArray()));
            }
        }

        /** C of shape (), (N), (1,N), (M,1), (M,N) spread over M×N. */
        static float[] broadcast(OnnxTensor c, int m, int cols) {
            int[] d = c.shape();
            int rows = d.length == 2 ? d[0] : 1, width = d.length == 0 ? 1 : d[d.length - 1];
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
    static final class MatMul implements Op {
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
            int[] lead = ad.length >= bd.length ? Arrays.copyOf(ad, ad.length - 2) : Arrays.copyOf(bd, bd.length - 2);
            int batch = 1;
            for (int d : lead) batch *= d;
            MatmulShape shape = new MatmulShape(batch, m, cols, k, false, false);
            MatmulLayout layout = new MatmulLayout(0, k, ad.length == 2 ? 0 : m * k, 0, cols,
                    bd.length == 2 ? 0 : k * cols, 0, cols, m * cols);
            int[] out = Arrays.copyOf(lead, lead.length + 2);
            out[lead.length] = m;
            out[lead.length + 1] = cols;
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor c = s.full(Float.NaN, batch * m * cols);
                b.matmul().gemm(org.clengine.matmul.Gemm.of(c, s.tensor(a.floats(), a.size()), s.tensor(bt.floats(), bt.size()), shape)
                        .layout(layout));
                return List.of(tensor(n.outputs().get(0), out, c.toArray()));
            }
        }
    }

    /** 2-D max or average pooling with symmetric padding of at most half the window, ceil_mode 0, no dilation. */
    static final class Pool implements Op {
        private final boolean max;

        Pool(boolean max) {
            this.max = max;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            if (x.dims().length != 4) return n.opType() + " on rank-" + x.dims().length + " input (2-D pooling only)";
            if (n.i("ceil_mode", 0) != 0) return n.opType() + " with ceil_mode = 1";
            long[] dil = n.ints("dilations");
            if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) return n.opType() + " with dilations";
            if (n.outputs().size() > 1) return "MaxPool's Indices output";
            long[] p = pads(n, x.shape());
            if (p[0] != p[2] || p[1] != p[3]) return n.opType() + " with asymmetric padding " + Arrays.toString(p);
            long[] k = n.ints("kernel_shape");
            if (2 * p[0] > k[0] || 2 * p[1] > k[1]) return n.opType() + " with padding over half the window";
            return null;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            long[] k = n.ints("kernel_shape");
            long[] st = or(n.ints("strides"), 1, 1);
            long[] p = pads(n, x.shape());
            Pool2dParams params = new Pool2dParams((int) k[0], (int) k[1], (int) st[0], (int) st[1], (int) p[0],
                    (int) p[1], n.i("count_include_pad", 0) != 0);
            int[] xs = x.shape();
            int[] out = {xs[0], xs[1], (int) ((xs[2] + 2 * p[0] - k[0]) / st[0] + 1),
                (int) ((xs[3] + 2 * p[1] - k[1]) / st[1] + 1)};
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor y = s.full(Float.NaN, out);
                Tensor xt = s.tensor(x.floats(), xs);
                if (max) b.pooling().maxForward(y, xt, params);
                else b.pooling().avgForward(y, xt, params);
                return List.of(tensor(n.outputs().get(0), out, y.toArray()));
            }
        }

        /** [top, left, bottom, right], from pads or auto_pad. */
        static long[] pads(OnnxModel.Node n, int[] x) {
            String auto = n.s("auto_pad", "NOTSET");
            long[] k = n.ints("kernel_shape");
            if (!auto.startsWith("SAME")) return or(n.ints("pads"), 0, 0, 0, 0);
            long[] st = or(n.ints("strides"), 1, 1);
            long[] p = new long[4];
            for (int d = 0; d < 2; d++) {
                long out = (x[2 + d] + st[d] - 1) / st[d];
                long total = Math.max(0, (out - 1) * st[d] + k[d] - x[2 + d]);
                p[d] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                p[d + 2] = total - p[d];
            }
            return p;
        }
    }

    /** Mean over H·W; ONNX keeps the spatial dimensions as 1×1. */
    static final class GlobalAveragePool implements Op {
        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            int rank = v.get(n.input(0)).dims().length;
            return rank == 4 ? null : "GlobalAveragePool on rank-" + rank + " input (2-D only)";
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            int[] xs = x.shape();
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor y = s.full(Float.NaN, xs[0], xs[1]);
                b.pooling().globalAvgForward(y, s.tensor(x.floats(), xs));
                return List.of(tensor(n.outputs().get(0), new int[] {xs[0], xs[1], 1, 1}, y.toArray()));
            }
        }
    }
}
