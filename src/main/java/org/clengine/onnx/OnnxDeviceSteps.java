package org.clengine.onnx;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormInference;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.Tensor;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;

/**
 * The steps of a whole-graph run ({@link OnnxInference}): each reads its inputs from the values on the backend,
 * writes its output into a tensor of the run's cache and names it. They make the same engine calls, with the same
 * fusions, as the {@code nn} modules in evaluation mode, so an exported model runs to the same bits. An operator
 * without a device step runs through {@link OnnxOps} on host copies ({@link #host}).
 */
final class OnnxDeviceSteps {
    private OnnxDeviceSteps() {
    }

    /** The values of one run: the graph's weights and inputs, then each step's output. */
    interface Values {
        /** The value on the backend; an error when it has none (a scalar or empty initializer). */
        Tensor get(String name);

        /** The initializer of this name as read from the file, or null. */
        OnnxTensor initializer(String name);

        void put(String name, Tensor t);

        /** The reused output tensor of {@code name} for this shape (NaN until first written). */
        Tensor output(String name, int... shape);

        Backend backend();
    }

    /** One step of the plan. */
    interface Step {
        void run(Values v);
    }

    /** eps as written: the float attribute's shortest decimal (1e-5f reads as 1e-5, PyTorch's double default). */
    static double eps(OnnxModel.Node n) {
        return Double.parseDouble(Float.toString(n.f("epsilon", 1e-5f)));
    }

    /** Conv (weights and bias named, perhaps BN-folded), with the following ReLU in its kernel when fused. */
    static Step conv(OnnxModel.Node n, String w, String bias, boolean relu, String out) {
        return v -> {
            Tensor x = v.get(n.input(0)), wt = v.get(w);
            if (x.rank() != 4 || wt.rank() != 4) {
                throw n.error("input " + x.shapeString() + " and weights " + wt.shapeString() + ": the engine's "
                        + "convolution is 2-D (N×C×H×W, K×C/group×R×S)");
            }
            Conv2dParams p = OnnxWindowOps.Conv.params(n, x.shape(), wt.shape()).withRelu(relu);
            Tensor y = v.output(out, Conv2dShape.of(x.shape(), wt.shape(), p).yDims());
            Tensor bt = bias == null ? null : v.get(bias);
            v.backend().conv2d().forward(y, x, wt, bt == null ? null : bt.view(bt.size()), p);
            v.put(out, y);
        };
    }

    /** Inference batch norm; {@code residual} non-null for BN → Add → Relu in one kernel. */
    static Step batchNorm(OnnxModel.Node n, BatchNormFusion fusion, String residual, String out) {
        BatchNormConfig cfg = BatchNormConfig.DEFAULT.withEps(eps(n)).withFusion(fusion);
        return v -> {
            Tensor x = v.get(n.input(0));
            if (x.rank() < 2 || x.rank() > 4) {
                throw n.error("input " + x.shapeString() + ": the engine's batch norm takes 2-D to 4-D input");
            }
            Tensor y = v.output(out, x.shape());
            BatchNormRunningStats stats = new BatchNormRunningStats(v.get(n.input(3)), v.get(n.input(4)), 0);
            v.backend().batchNorm().forwardInference(BatchNormInference.of(y, x, stats).affine(v.get(n.input(1)),
                    v.get(n.input(2))).residual(residual == null ? null : v.get(residual)).config(cfg));
            v.put(out, y);
        };
    }

    /**
     * Gemm with alpha = beta = 1, transA = 0 and no C or a C of N values: one GEMM with a bias (and ReLU); B is
     * {@code bName} (the node's own input, or its transpose made at plan time), transposed when {@code tb}.
     */
    static Step gemm(OnnxModel.Node n, String bName, boolean tb, boolean relu, String out) {
        return v -> {
            Tensor a = v.get(n.input(0)), b = v.get(bName);
            Tensor c = n.input(2) == null ? null : v.get(n.input(2));
            if (a.rank() != 2 || b.rank() != 2) throw n.error("A " + a.shapeString() + " and B " + b.shapeString()
                    + ": Gemm takes 2-D A and B");
            int m = a.dim(0), k = a.dim(1), kb = tb ? b.dim(1) : b.dim(0), cols = tb ? b.dim(0) : b.dim(1);
            if (k != kb) throw n.error("A " + a.shapeString() + " and op(B) " + kb + "×" + cols + ": the inner "
                    + "dimensions differ");
            if (c != null && c.size() != cols) throw n.error("C " + c.shapeString() + " is not one value per column");
            Tensor y = v.output(out, OnnxOps.outputShape(n, m, cols));
            MatmulParams p = MatmulParams.DEFAULT.withBias(c == null ? MatmulBias.NONE : MatmulBias.PER_COLUMN)
                    .withRelu(relu);
            v.backend().matmul().gemm(Gemm.of(y, a, b, new MatmulShape(1, m, cols, k, false, tb)).params(p)
                    .bias(c == null ? null : c.view(cols)));
            v.put(out, y);
        };
    }

    /** Whether {@link #gemm} computes this Gemm node (else it runs on the host). */
    static boolean gemmOnDevice(OnnxModel.Node n, Map<String, OnnxTensor> initializers) {
        if (n.f("alpha", 1f) != 1f || n.intAttr("transA", 0, 0, 1) != 0) return false;
        if (n.input(2) == null) return true;
        OnnxTensor c = initializers.get(n.input(2));
        return n.f("beta", 1f) == 1f && c != null && (c.dims().length == 1
                || (c.dims().length == 2 && c.dims()[0] == 1));
    }

    static Step relu(OnnxModel.Node n, boolean sigmoid) {
        return v -> {
            Tensor x = v.get(n.input(0));
            Tensor y = v.output(n.outputs().get(0), x.shape());
            if (sigmoid) v.backend().elementwise().sigmoidForward(y, x);
            else v.backend().elementwise().reluForward(y, x);
            v.put(n.outputs().get(0), y);
        };
    }

    static Step add(OnnxModel.Node n) {
        return v -> {
            Tensor a = v.get(n.input(0)), b = v.get(n.input(1));
            if (!Arrays.equals(a.shape(), b.shape())) {
                throw n.error("Add of " + a.shapeString() + " and " + b.shapeString() + " broadcasts; the engine adds "
                        + "tensors of one shape");
            }
            Tensor y = v.output(n.outputs().get(0), a.shape());
            v.backend().elementwise().add(y, a, b);
            v.put(n.outputs().get(0), y);
        };
    }

    /** MaxPool or AveragePool, checked as the node runner checks them. */
    static Step pool(OnnxModel.Node n, boolean max) {
        OnnxWindowOps.Pool op = new OnnxWindowOps.Pool(max);
        return v -> {
            Tensor x = v.get(n.input(0));
            String why = op.unsupported(n, Map.of(n.input(0), OnnxTensor.shapeOnly(n.input(0), x.shape())));
            if (why != null) throw n.error(why);
            OnnxWindowOps.Pool.Geometry g = OnnxWindowOps.Pool.geometry(n, x.shape());
            Tensor y = v.output(n.outputs().get(0), g.out());
            if (max) v.backend().pooling().maxForward(y, x, g.params());
            else v.backend().pooling().avgForward(y, x, g.params());
            v.put(n.outputs().get(0), y);
        };
    }

    /** [N,C,H,W] → [N,C,1,1] (the engine's pooling writes [N,C], viewed). */
    static Step globalAvg(OnnxModel.Node n) {
        return v -> {
            Tensor x = v.get(n.input(0));
            if (x.rank() != 4) throw n.error("GlobalAveragePool on " + x.shapeString() + " (2-D pooling only)");
            Tensor y = v.output(n.outputs().get(0), x.dim(0), x.dim(1));
            v.backend().pooling().globalAvgForward(y, x);
            v.put(n.outputs().get(0), y.view(x.dim(0), x.dim(1), 1, 1));
        };
    }

    /** A view: no copy. */
    static Step flatten(OnnxModel.Node n) {
        return v -> {
            Tensor x = v.get(n.input(0));
            int rank = x.rank();
            int axis = n.intAttr("axis", 1, -rank, rank);
            if (axis < 0) axis += rank;
            long outer = 1, inner = 1;
            for (int i = 0; i < rank; i++) {
                if (i < axis) outer *= x.dim(i);
                else inner *= x.dim(i);
            }
            v.put(n.outputs().get(0), x.view((int) outer, (int) inner));
        };
    }

    /** Any operator of {@link OnnxOps#ALL}, on host copies of its inputs; its outputs go back to the backend. */
    static Step host(OnnxModel.Node n, OnnxOps.Op op) {
        return v -> {
            Map<String, OnnxTensor> in = new HashMap<>();
            for (String name : n.inputs()) {
                if (name.isEmpty()) continue;
                OnnxTensor init = v.initializer(name);
                if (init != null) {
                    in.put(name, init);
                    continue;
                }
                Tensor t = v.get(name);
                in.put(name, OnnxOps.tensor(name, t.shape(), t.toArray()));
            }
            String why = op.unsupported(n, in);
            if (why != null) throw n.error(why);
            List<OnnxTensor> outs;
            try {
                outs = op.run(v.backend(), n, in);
            } catch (IllegalArgumentException e) {
                throw n.error(e.getMessage());
            }
            for (OnnxTensor t : outs) {
                Tensor y = v.output(t.name(), t.shape());
                y.copyFrom(t.floats());
                v.put(t.name(), y);
            }
        };
    }
}
