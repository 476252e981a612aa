package org.clengine.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.conv2d.BatchNormFolding;
import org.clengine.onnx.OnnxDeviceSteps.Step;

/**
 * A whole graph turned into steps on the engine, with the fusions the {@code nn} modules make: a Relu after Conv,
 * Gemm or BatchNormalization runs in that op's kernel; BatchNormalization → Add → Relu runs as batch norm with a
 * residual; with folding on, an inference BatchNormalization right after a Conv is folded into the convolution's
 * weights (not when it feeds Add → Relu, where the unfolded norm already does the add and the ReLU in its one
 * pass). A value is fused away only when its node is its sole consumer and it is no graph output. A fused group
 * runs where its last node stands: every input of the group exists by then (nodes come in topological order).
 */
final class OnnxPlan {
    private final OnnxModel model;
    private final boolean fold;
    private final Map<String, List<OnnxModel.Node>> consumers = new HashMap<>();
    private final Set<OnnxModel.Node> absorbed = new HashSet<>();
    /** Folded weights and biases, named after the Conv node's output. */
    final Map<String, OnnxTensor> folded = new LinkedHashMap<>();
    final List<Step> steps = new ArrayList<>();
    /** Each step's nodes as {@code Conv+BatchNormalization+Relu (name)}, for {@link OnnxInference#profile}. */
    final List<String> labels = new ArrayList<>();

    OnnxPlan(OnnxModel model, boolean fold) {
        this.model = model;
        this.fold = fold;
        checkOrder();
        for (OnnxModel.Node n : model.nodes()) {
            for (String in : n.inputs()) if (!in.isEmpty()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        }
        Step[] at = new Step[model.nodes().size()];
        String[] label = new String[at.length];
        for (OnnxModel.Node n : model.nodes()) {
            if (absorbed.contains(n)) continue;
            List<OnnxModel.Node> group = new ArrayList<>(List.of(n));
            Step s = step(n, group);
            int where = model.nodes().indexOf(group.get(group.size() - 1));
            label[where] = String.join("+", group.stream().map(OnnxModel.Node::opType).toList()) + " ("
                    + group.get(group.size() - 1).outputs().get(0) + ")";
            // an argument the engine's ops refuse is reported as the node's, as the node runner reports it
            at[where] = v -> {
                try {
                    s.run(v);
                } catch (IllegalArgumentException e) {
                    throw n.error(e.getMessage());
                }
            };
        }
        for (int i = 0; i < at.length; i++) {
            if (at[i] == null) continue;
            steps.add(at[i]);
            labels.add(label[i]);
        }
    }

    /** Every node's inputs exist before it (graph inputs, initializers, earlier outputs); names are unique. */
    private void checkOrder() {
        Set<String> known = new HashSet<>(model.inputs());
        known.addAll(model.initializers().keySet());
        for (OnnxModel.Node n : model.nodes()) {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) throw n.error("operator domain " + n.domain());
            OnnxOps.Op op = OnnxOps.ALL.get(n.opType());
            if (op == null) throw n.error("operator " + n.opType() + " is not in the engine");
            if (n.inputs().size() > op.maxInputs()) {
                throw n.error("has " + n.inputs().size() + " inputs; " + n.opType() + " takes at most " + op.maxInputs());
            }
            for (int k = 0; k < op.minInputs(); k++) {
                if (n.input(k) == null) throw n.error("lacks input " + k + "; " + n.opType() + " needs " + op.minInputs());
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !known.contains(in)) {
                    throw n.error("reads '" + in + "', which no earlier node, graph input or initializer gives");
                }
            }
            for (String out : n.outputs()) {
                if (out.isEmpty()) continue;
                if (!known.add(out)) throw n.error("writes '" + out + "', which already exists");
            }
            if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) throw n.error("names no output");
        }
        for (String out : model.outputs()) {
            if (!known.contains(out)) throw new OnnxFormatException("graph output '" + out + "' is produced by no node");
        }
    }

    private Step step(OnnxModel.Node n, List<OnnxModel.Node> group) {
        String out = n.outputs().get(0);
        switch (n.opType()) {
            case "Conv":
                return conv(n, group);
            case "BatchNormalization":
                if (!inference(n)) break;
                return batchNorm(n, group);
            case "Gemm":
                if (!OnnxDeviceSteps.gemmOnDevice(n, model.initializers())) break;
                return gemm(n, group);
            case "Relu", "Sigmoid":
                return OnnxDeviceSteps.relu(n, n.opType().equals("Sigmoid"));
            case "Add":
                return OnnxDeviceSteps.add(n);
            case "MaxPool", "AveragePool":
                return OnnxDeviceSteps.pool(n, n.opType().equals("MaxPool"));
            case "GlobalAveragePool":
                return OnnxDeviceSteps.globalAvg(n);
            case "Flatten":
                return OnnxDeviceSteps.flatten(n);
            default:
                break;
        }
        return OnnxDeviceSteps.host(n, OnnxOps.ALL.get(n.opType()));
    }

    private Step conv(OnnxModel.Node n, List<OnnxModel.Node> group) {
        String w = n.input(1), b = n.input(2);
        OnnxModel.Node bn = sole(n.outputs().get(0), "BatchNormalization");
        if (fold && bn != null && foldable(n, bn)) {
            group.add(bn);
            absorbed.add(bn);
            String name = n.outputs().get(0);
            OnnxTensor wt = model.initializers().get(w);
            BatchNormFolding.Folded f;
            try {
                f = BatchNormFolding.fold(wt.floats(), b == null ? null : model.initializers().get(b).floats(),
                        init(bn, 1), init(bn, 2), init(bn, 3), init(bn, 4), OnnxDeviceSteps.eps(bn),
                        (int) wt.dims()[0]);
            } catch (IllegalArgumentException e) {
                throw bn.error(e.getMessage());
            }
            w = name + "/folded_weight";
            b = name + "/folded_bias";
            folded.put(w, new OnnxTensor(w, wt.dims(), OnnxTensor.FLOAT, f.weights(), new long[0]));
            folded.put(b, new OnnxTensor(b, new long[] {wt.dims()[0]}, OnnxTensor.FLOAT, f.bias(), new long[0]));
        }
        boolean relu = absorbRelu(last(group), group);
        return OnnxDeviceSteps.conv(n, w, b, relu, last(group));
    }

    /**
     * Gemm; a B that is an initializer stored transposed (a Linear layer's [out, in]) is transposed once here, so
     * that each run reads it in place instead of packing it again (1.6 MB per run for the CNN's 3136 → 128 layer).
     * Same bits: the GEMM multiplies the same values in the same order whether it reads B packed or in place.
     */
    private Step gemm(OnnxModel.Node n, List<OnnxModel.Node> group) {
        String b = n.input(1);
        boolean tb = n.intAttr("transB", 0, 0, 1) != 0;
        OnnxTensor w = model.initializers().get(b);
        if (tb && w != null && w.dataType() == OnnxTensor.FLOAT && w.dims().length == 2 && w.size() > 0
                && w.dims()[0] * w.dims()[1] == w.size()) {
            b = n.outputs().get(0) + "/weight_transposed";
            folded.put(b, transpose(w, b));
            tb = false;
        }
        return OnnxDeviceSteps.gemm(n, b, tb, absorbRelu(n.outputs().get(0), group), last(group));
    }

    /** A rows × cols initializer as cols × rows. */
    private static OnnxTensor transpose(OnnxTensor w, String name) {
        int rows = (int) w.dims()[0], cols = (int) w.dims()[1];
        float[] in = w.floats(), out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[c * rows + r] = in[r * cols + c];
        }
        return new OnnxTensor(name, new long[] {cols, rows}, OnnxTensor.FLOAT, out, new long[0]);
    }

    /** Weights, bias and the norm's four vectors are initializers and the norm is no BN → Add → Relu. */
    private boolean foldable(OnnxModel.Node conv, OnnxModel.Node bn) {
        if (!inference(bn) || !bn.input(0).equals(conv.outputs().get(0))) return false;
        for (int k = 1; k <= 4; k++) if (!model.initializers().containsKey(bn.input(k))) return false;
        OnnxTensor w = model.initializers().get(conv.input(1));
        if (w == null || w.dims().length != 4 || w.size() == 0) return false; // the convolution refuses those itself
        if (conv.input(2) != null && !model.initializers().containsKey(conv.input(2))) return false;
        OnnxModel.Node add = sole(bn.outputs().get(0), "Add");
        return add == null || sole(add.outputs().get(0), "Relu") == null;
    }

    private Step batchNorm(OnnxModel.Node n, List<OnnxModel.Node> group) {
        String out = n.outputs().get(0);
        if (absorbRelu(out, group)) return OnnxDeviceSteps.batchNorm(n, BatchNormFusion.RELU, null, last(group));
        OnnxModel.Node add = sole(out, "Add");
        OnnxModel.Node relu = add == null ? null : sole(add.outputs().get(0), "Relu");
        if (relu != null && add.inputs().size() == 2 && !add.input(0).equals(add.input(1))) {
            String residual = add.input(0).equals(out) ? add.input(1) : add.input(0);
            group.add(add);
            group.add(relu);
            absorbed.add(add);
            absorbed.add(relu);
            return OnnxDeviceSteps.batchNorm(n, BatchNormFusion.ADD_RELU, residual, last(group));
        }
        return OnnxDeviceSteps.batchNorm(n, BatchNormFusion.NONE, null, out);
    }

    /** Inference mode with one output: the case the engine's inference kernel computes. */
    private static boolean inference(OnnxModel.Node bn) {
        return bn.intAttr("training_mode", 0, 0, 1) == 0 && bn.i("spatial", 1) == 1
                && (bn.outputs().size() == 1 || bn.outputs().subList(1, bn.outputs().size()).stream()
                .allMatch(String::isEmpty));
    }

    /** Takes the Relu that alone reads {@code value} into the group; whether there was one. */
    private boolean absorbRelu(String value, List<OnnxModel.Node> group) {
        OnnxModel.Node relu = sole(value, "Relu");
        if (relu == null) return false;
        group.add(relu);
        absorbed.add(relu);
        return true;
    }

    /** The one node of {@code opType} that reads {@code value}, when nothing else does and it is no graph output. */
    private OnnxModel.Node sole(String value, String opType) {
        List<OnnxModel.Node> c = consumers.getOrDefault(value, List.of());
        if (c.size() != 1 || model.outputs().contains(value) || !c.get(0).opType().equals(opType)
                || absorbed.contains(c.get(0))) {
            return null; // an absorbed node belongs to a group already (BN → Add → Relu claims the Add once)
        }
        OnnxModel.Node n = c.get(0);
        return n.domain().isEmpty() || n.domain().equals("ai.onnx") ? n : null;
    }

    private float[] init(OnnxModel.Node bn, int k) {
        return model.initializers().get(bn.input(k)).floats();
    }

    private static String last(List<OnnxModel.Node> group) {
        return group.get(group.size() - 1).outputs().get(0);
    }
}
