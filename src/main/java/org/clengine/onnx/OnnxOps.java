package org.clengine.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.MomentumConvention;
import org.clengine.conv.Conv2dParams;
import org.clengine.conv.Conv2dShape;
import org.clengine.tensor.Tensor;
import org.clengine.tensor.TensorScope;

/** ONNX operators mapped onto Backend ops. Values move between nodes as host tensors. */
final class OnnxOps {
    private OnnxOps() {
    }

    /** One operator: why a node cannot run (null when it can), and running it. */
    interface Op {
        String unsupported(OnnxModel.Node node, Map<String, OnnxTensor> values);

        List<OnnxTensor> run(Backend b, OnnxModel.Node node, Map<String, OnnxTensor> values);
    }

    static final Map<String, Op> ALL = Map.of("BatchNormalization", new BatchNormalization(), "Conv", new Conv());

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
            try (TensorScope s = new TensorScope(b)) {
                Tensor xt = s.tensor(x.floats(), x.shape());
                Tensor y = s.full(Float.NaN, x.shape());
                Tensor gamma = s.tensor(v.get(n.input(1)).floats(), c);
                Tensor beta = s.tensor(v.get(n.input(2)).floats(), c);
                Tensor mean = s.tensor(v.get(n.input(3)).floats(), c);
                Tensor var = s.tensor(v.get(n.input(4)).floats(), c);
                if (n.i("training_mode", 0) == 0) {
                    b.batchNormForwardInference(y, xt, gamma, beta, null, mean, var, cfg);
                    return List.of(tensor(n.outputs().get(0), x.shape(), y.toArray()));
                }
                BatchNormRunningStats running = new BatchNormRunningStats(mean, var, 0);
                b.batchNormForwardTraining(y, s.full(0f, c), s.full(0f, c), xt, gamma, beta, null, running, cfg);
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
            try (TensorScope s = new TensorScope(b)) {
                Tensor y = s.full(Float.NaN, shape.yDims());
                b.conv2dForward(y, s.tensor(x.floats(), x.shape()), s.tensor(w.floats(), w.shape()),
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

    static long[] or(long[] value, long... fallback) {
        return value == null || value.length == 0 ? fallback : value;
    }
}
