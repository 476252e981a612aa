package org.clengine.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.MomentumConvention;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;

/**
 * ONNX operators mapped onto Backend ops. Values move between nodes as host tensors. Every size a node computes
 * from its inputs and attributes is computed exactly and checked ({@link #outputShape}) before anything is
 * allocated; the windowed operators are in {@link OnnxWindowOps}, the products in {@link OnnxMatmulOps}.
 */
final class OnnxOps {
    /**
     * The most values one node may produce: 2^26 floats (256 MiB), beyond every ONNX node test and a ResNet-50
     * activation at batch 64 (51 M values). Output shapes come from the file: without a bound a 100-byte model asks
     * for gigabytes (a Gemm of A [40000, 1] and B [1, 40000]).
     */
    static final long MAX_OUTPUT_VALUES = 1L << 26;

    private OnnxOps() {
    }

    /** One operator: how many inputs it takes, why a node cannot run (null when it can), and running it. */
    interface Op {
        /** Inputs that must be present. */
        int minInputs();

        /** Inputs it takes at most (optional ones included). */
        default int maxInputs() {
            return minInputs();
        }

        /** Why the engine cannot run this node as given, or null when it can (the default: always). */
        default String unsupported(OnnxModel.Node node, Map<String, OnnxTensor> values) {
            return null;
        }

        List<OnnxTensor> run(Backend b, OnnxModel.Node node, Map<String, OnnxTensor> values);
    }

    static final Map<String, Op> ALL = Map.ofEntries(Map.entry("BatchNormalization", new BatchNormalization()),
            Map.entry("Conv", new OnnxWindowOps.Conv()), Map.entry("Relu", new Relu(false)),
            Map.entry("Sigmoid", new Relu(true)), Map.entry("Add", new Add()),
            Map.entry("Flatten", new Flatten()), Map.entry("Gemm", new OnnxMatmulOps.Gemm()),
            Map.entry("MatMul", new OnnxMatmulOps.MatMul()), Map.entry("MaxPool", new OnnxWindowOps.Pool(true)),
            Map.entry("AveragePool", new OnnxWindowOps.Pool(false)),
            Map.entry("GlobalAveragePool", new GlobalAveragePool()));

    static OnnxTensor tensor(String name, int[] shape, float[] data) {
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        return new OnnxTensor(name, dims, OnnxTensor.FLOAT, data, new long[0]);
    }

    /**
     * The dims of a node's output as ints, checked before anything is allocated: every dimension at least 1, the
     * product at most {@link #MAX_OUTPUT_VALUES}.
     */
    static int[] outputShape(OnnxModel.Node n, long... dims) {
        long count = 1;
        for (long d : dims) {
            if (d < 1) throw n.error("its output " + Arrays.toString(dims) + " would have a dimension of " + d);
            count *= Math.min(d, MAX_OUTPUT_VALUES + 1); // both factors ≤ 2^26 + 1: no overflow
            if (count > MAX_OUTPUT_VALUES) {
                throw n.error("its output " + Arrays.toString(dims) + " would hold more than " + MAX_OUTPUT_VALUES
                        + " values, the most one node may produce");
            }
        }
        return Arrays.stream(dims).mapToInt(d -> (int) d).toArray();
    }

    /** Why an elementwise node on {@code x} cannot run: the engine's tensors have at least one dimension. */
    static String scalar(OnnxModel.Node n, OnnxTensor x) {
        return x.dims().length > 0 ? null : n.describe() + " on a scalar (the engine's tensors have at least one "
                + "dimension)";
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

    /** Inference with the given statistics, or training_mode = 1 with ONNX's running-statistics convention. */
    static final class BatchNormalization implements Op {
        @Override
        public int minInputs() {
            return 5;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            int rank = v.get(n.input(0)).dims().length;
            if (rank < 2 || rank > 4) return "BatchNormalization on rank-" + rank + " input (the engine takes 2-D to 4-D)";
            if (n.i("spatial", 1) != 1) return "BatchNormalization with spatial = 0 (opset < 9)";
            boolean training = n.intAttr("training_mode", 0, 0, 1) == 1;
            if (training && n.outputs().size() > 3) return "saved mean/var outputs";
            if (!training && n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
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
                if (n.intAttr("training_mode", 0, 0, 1) == 0) {
                    b.batchNorm().forwardInference(BatchNormInference.of(y, xt, running).affine(gamma, beta)
                            .config(cfg));
                    return List.of(tensor(n.outputs().get(0), x.shape(), y.toArray()));
                }
                BatchNormSaved saved = new BatchNormSaved(s.full(0f, c), s.full(0f, c));
                b.batchNorm().forwardTraining(BatchNormTraining.of(y, saved, xt).affine(gamma, beta).running(running)
                        .config(cfg));
                // running mean and variance are optional outputs: produce those the node names
                List<OnnxTensor> out = new ArrayList<>(List.of(tensor(n.outputs().get(0), x.shape(), y.toArray())));
                if (n.outputs().size() > 1) out.add(tensor(n.outputs().get(1), new int[] {c}, mean.toArray()));
                if (n.outputs().size() > 2) out.add(tensor(n.outputs().get(2), new int[] {c}, var.toArray()));
                return out;
            }
        }
    }

    /** Relu or Sigmoid: element by element, any shape. */
    static final class Relu implements Op {
        private final boolean sigmoid;

        Relu(boolean sigmoid) {
            this.sigmoid = sigmoid;
        }

        @Override
        public int minInputs() {
            return 1;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            return scalar(n, v.get(n.input(0)));
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            return elementwise(b, n, x, (s, y) -> {
                if (sigmoid) b.elementwise().sigmoidForward(y, s.tensor(x.floats(), x.shape()));
                else b.elementwise().reluForward(y, s.tensor(x.floats(), x.shape()));
            });
        }
    }

    /** Two tensors of one shape (the engine does not broadcast). */
    static final class Add implements Op {
        @Override
        public int minInputs() {
            return 2;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            if (!Arrays.equals(v.get(n.input(0)).dims(), v.get(n.input(1)).dims())) {
                return "Add with broadcasting (the engine adds tensors of one shape)";
            }
            return scalar(n, v.get(n.input(0)));
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
        public int minInputs() {
            return 1;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            int rank = x.dims().length;
            int axis = n.intAttr("axis", 1, -rank, rank);
            if (axis < 0) axis += rank;
            // both parts from the dims themselves: inner as size / outer was wrong when a dimension is 0
            long outer = 1, inner = 1;
            for (int i = 0; i < rank; i++) {
                if (i < axis) outer = Math.multiplyExact(outer, x.dims()[i]);
                else inner = Math.multiplyExact(inner, x.dims()[i]);
            }
            return List.of(tensor(n.outputs().get(0), outputShape(n, outer, inner), x.floats()));
        }
    }

    /** Mean over H·W; ONNX keeps the spatial dimensions as 1×1. */
    static final class GlobalAveragePool implements Op {
        @Override
        public int minInputs() {
            return 1;
        }

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
