package org.clengine.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.pooling.Pool2dParams;

/**
 * The operators that slide a window over H×W: Conv and the 2-D poolings. Their attributes (strides, pads,
 * dilations, kernel_shape) are read as checked ints, and the output's extent is computed in long from them before
 * the engine's int shape records see any of it: a dilation of 2^30 once wrapped a 5-row window to 1 row.
 */
final class OnnxWindowOps {
    private static final int MAX = Integer.MAX_VALUE;

    private OnnxWindowOps() {
    }

    /**
     * Output rows and columns of a window of {@code extent} (dilated) rows and columns over x [N,C,H,W] with
     * {@code pads} [top, left, bottom, right]: the padded input must fit an int (the kernels index it so) and hold
     * the window.
     */
    static long[] outputHw(OnnxModel.Node n, int[] x, long[] extent, int[] strides, int[] pads) {
        long[] out = new long[2];
        for (int d = 0; d < 2; d++) {
            long padded = (long) x[2 + d] + pads[d] + pads[d + 2];
            if (padded > MAX) {
                throw n.error("input " + Arrays.toString(x) + " padded by " + Arrays.toString(pads) + " spans "
                        + padded + " rows or columns, more than an int indexes");
            }
            if (extent[d] > padded) {
                throw n.error("its window spans " + extent[d] + " rows or columns (kernel and dilation), more than the "
                        + padded + " of the padded input " + Arrays.toString(x));
            }
            out[d] = (padded - extent[d]) / strides[d] + 1;
        }
        return out;
    }

    /** [top, left, bottom, right] from pads or auto_pad (SAME_*: the output is ceil(input / stride)). */
    static int[] pads(OnnxModel.Node n, int[] x, long[] extent, int[] strides) {
        String auto = n.s("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET":
                return n.intsAttr("pads", 4, 0, MAX, 0, 0, 0, 0);
            case "VALID":
                return new int[4];
            case "SAME_UPPER", "SAME_LOWER":
                break;
            default:
                throw n.error("auto_pad '" + auto + "' is none of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        }
        int[] p = new int[4];
        for (int d = 0; d < 2; d++) {
            long out = ((long) x[2 + d] + strides[d] - 1) / strides[d];
            long total = Math.max(0, (out - 1) * strides[d] + extent[d] - x[2 + d]);
            if (total > MAX) throw n.error("auto_pad " + auto + " needs " + total + " rows or columns of padding");
            long small = total / 2;
            p[d] = (int) (auto.equals("SAME_UPPER") ? small : total - small);
            p[d + 2] = (int) (total - p[d]);
        }
        return p;
    }

    /** The extent of a window of {@code k} taps with {@code dilation}: (k − 1)·dilation + 1, at most 2^62. */
    static long extent(int k, int dilation) {
        return (long) (k - 1) * dilation + 1;
    }

    /** 2-D convolution: pads, strides, dilations, group, auto_pad, optional bias. */
    static final class Conv implements OnnxOps.Op {
        @Override
        public int minInputs() {
            return 2;
        }

        @Override
        public int maxInputs() {
            return 3;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            int rank = v.get(n.input(0)).dims().length;
            if (rank != 4) return "Conv on rank-" + rank + " input (the engine's conv2d takes N×C×H×W)";
            int wRank = v.get(n.input(1)).dims().length;
            if (wRank != 4) throw n.error("weights of rank " + wRank + " for a 2-D convolution (K×C/group×R×S)");
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
                return List.of(OnnxOps.tensor(n.outputs().get(0), shape.yDims(), y.toArray()));
            }
        }

        /** The parameters, once the output they give is known to exist and to be within the limit. */
        static Conv2dParams params(OnnxModel.Node n, int[] x, int[] w) {
            int[] strides = n.intsAttr("strides", 2, 1, MAX, 1, 1);
            int[] dil = n.intsAttr("dilations", 2, 1, MAX, 1, 1);
            int[] kernel = n.intsAttr("kernel_shape", 2, 1, MAX, w[2], w[3]);
            if (kernel[0] != w[2] || kernel[1] != w[3]) {
                throw n.error("kernel_shape " + Arrays.toString(kernel) + " differs from the weights "
                        + Arrays.toString(w));
            }
            long[] extent = {extent(w[2], dil[0]), extent(w[3], dil[1])};
            int[] pads = pads(n, x, extent, strides);
            long[] hw = outputHw(n, x, extent, strides, pads);
            OnnxOps.outputShape(n, x[0], w[0], hw[0], hw[1]);
            return new Conv2dParams(strides[0], strides[1], pads[0], pads[2], pads[1], pads[3], dil[0], dil[1],
                    n.intAttr("group", 1, 1, MAX), false);
        }
    }

    /** 2-D max or average pooling with symmetric padding of at most half the window, ceil_mode 0, no dilation. */
    static final class Pool implements OnnxOps.Op {
        private final boolean max;

        Pool(boolean max) {
            this.max = max;
        }

        @Override
        public int minInputs() {
            return 1;
        }

        @Override
        public String unsupported(OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            if (x.dims().length != 4) return n.opType() + " on rank-" + x.dims().length + " input (2-D pooling only)";
            if (n.intAttr("ceil_mode", 0, 0, 1) != 0) return n.opType() + " with ceil_mode = 1";
            long[] dil = n.ints("dilations");
            if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) return n.opType() + " with dilations";
            if (n.outputs().size() > 1) return "MaxPool's Indices output";
            int[] k = kernel(n);
            int[] p = pads(n, x.shape(), new long[] {k[0], k[1]}, strides(n));
            if (p[0] != p[2] || p[1] != p[3]) return n.opType() + " with asymmetric padding " + Arrays.toString(p);
            if (2L * p[0] > k[0] || 2L * p[1] > k[1]) return n.opType() + " with padding over half the window";
            return null;
        }

        @Override
        public List<OnnxTensor> run(Backend b, OnnxModel.Node n, Map<String, OnnxTensor> v) {
            OnnxTensor x = v.get(n.input(0));
            Geometry g = geometry(n, x.shape());
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor y = s.full(Float.NaN, g.out());
                Tensor xt = s.tensor(x.floats(), x.shape());
                if (max) b.pooling().maxForward(y, xt, g.params());
                else b.pooling().avgForward(y, xt, g.params());
                return List.of(OnnxOps.tensor(n.outputs().get(0), g.out(), y.toArray()));
            }
        }

        /** The output's shape and the engine's parameters of a pooling node on x [N,C,H,W]. */
        record Geometry(int[] out, Pool2dParams params) {
        }

        /** The geometry, once the output it gives is known to exist and to be within the limit. */
        static Geometry geometry(OnnxModel.Node n, int[] xs) {
            int[] k = kernel(n);
            int[] st = strides(n);
            long[] extent = {k[0], k[1]};
            int[] p = pads(n, xs, extent, st);
            long[] hw = outputHw(n, xs, extent, st, p);
            int[] out = OnnxOps.outputShape(n, xs[0], xs[1], hw[0], hw[1]);
            return new Geometry(out, new Pool2dParams(k[0], k[1], st[0], st[1], p[0], p[1],
                    n.intAttr("count_include_pad", 0, 0, 1) != 0));
        }

        private static int[] kernel(OnnxModel.Node n) {
            int[] k = n.intsAttr("kernel_shape", 2, 1, MAX);
            if (k.length == 0) throw n.error("attribute kernel_shape is missing; pooling needs it");
            return k;
        }

        private static int[] strides(OnnxModel.Node n) {
            return n.intsAttr("strides", 2, 1, MAX, 1, 1);
        }
    }
}
