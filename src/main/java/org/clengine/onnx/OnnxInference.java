package org.clengine.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.onnx.OnnxDeviceSteps.Step;

/**
 * A whole ONNX model run on one backend ({@code ./clengine onnx-run}): the initializers are uploaded once, the
 * nodes become steps ({@link OnnxPlan}: ReLUs fused into the op before, BN → Add → Relu as one kernel, batch norm
 * optionally folded into the convolution before it), and each run keeps every value on the backend, reusing the
 * activation tensors of earlier runs of the same shapes. Operators with no device step run on host copies. A model
 * exported by {@link OnnxExport} and run unfolded gives the {@code nn} model's evaluation-mode outputs bit for bit
 * on the same backend; folded, within fp32 rounding of the folded weights. Not for concurrent use.
 */
public final class OnnxInference implements AutoCloseable {
    private final Backend backend;
    private final OnnxModel model;
    private final List<String> inputs;
    private final List<Step> steps;
    private final List<String> labels;
    private final Map<String, Tensor> weights = new HashMap<>();
    private final Map<String, Tensor> cache = new LinkedHashMap<>();

    private OnnxInference(Backend backend, OnnxModel model, boolean foldBatchNorm) {
        this.backend = backend;
        this.model = model;
        if (!model.nonTensors().isEmpty()) {
            throw new OnnxFormatException("graph values " + model.nonTensors() + " are not tensors");
        }
        this.inputs = model.inputs().stream().filter(i -> !model.initializers().containsKey(i)).toList();
        OnnxPlan plan = new OnnxPlan(model, foldBatchNorm);
        this.steps = plan.steps;
        this.labels = plan.labels;
        try {
            upload(model.initializers());
            upload(plan.folded);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Reads {@code file} and plans it on {@code backend}; the backend stays the caller's to close. */
    public static OnnxInference load(Backend backend, Path file, boolean foldBatchNorm) throws IOException {
        return new OnnxInference(backend, OnnxModel.read(file), foldBatchNorm);
    }

    /** A model from its bytes (as {@link OnnxExport#toBytes} gives them). */
    public static OnnxInference of(Backend backend, byte[] model, boolean foldBatchNorm) {
        return new OnnxInference(backend, OnnxModel.parse(model, "model"), foldBatchNorm);
    }

    /** The graph inputs that are not initializers, in the order {@link #run} takes them. */
    public List<String> inputNames() {
        return inputs;
    }

    public List<String> outputNames() {
        return model.outputs();
    }

    /** Runs the graph on host inputs (one per {@link #inputNames()}, in order); the outputs come back to the host. */
    public List<OnnxTensor> run(List<OnnxTensor> given) {
        if (given.size() != inputs.size()) {
            throw new IllegalArgumentException("the model takes " + inputs.size() + " input(s) " + inputs + ", got "
                    + given.size());
        }
        List<Tensor> in = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            OnnxTensor t = given.get(i);
            if (t.dataType() != OnnxTensor.FLOAT) throw new IllegalArgumentException("input '" + inputs.get(i)
                    + "' has data type " + t.dataType() + "; the engine computes in FLOAT (1)");
            if (t.dims().length == 0 || t.size() == 0) throw new IllegalArgumentException("input '" + inputs.get(i)
                    + "' of shape " + Arrays.toString(t.dims()) + " is empty or a scalar");
            Tensor d = output("input:" + inputs.get(i), t.shape());
            d.copyFrom(t.floats());
            in.add(d);
        }
        List<Tensor> got = runOnBackend(in);
        List<OnnxTensor> out = new ArrayList<>();
        for (int i = 0; i < got.size(); i++) {
            out.add(OnnxOps.tensor(model.outputs().get(i), got.get(i).shape(), got.get(i).toArray()));
        }
        return out;
    }

    /**
     * Runs the graph on inputs already on the backend; the outputs are tensors of this session, valid until its
     * next run or close.
     */
    public List<Tensor> runOnBackend(List<Tensor> given) {
        return runSteps(given, null, 0);
    }

    /**
     * Where a run's time goes: runs the graph {@code repeats} times on inputs already on the backend, waiting for
     * the device after every step, and returns each step's (fused group's) median wall time in ms, in plan order,
     * keyed by its nodes' types and output name. The waits add a round trip per step (tens of µs on PoCL) that a
     * plain run does not pay: compare the sum with a plain run's time to see the host-side overhead.
     */
    public Map<String, Double> profile(List<Tensor> given, int repeats) {
        if (repeats < 1) throw new IllegalArgumentException("repeats " + repeats + " must be positive");
        long[][] ns = new long[steps.size()][repeats];
        for (int r = 0; r < repeats; r++) runSteps(given, ns, r);
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            long[] t = ns[i].clone();
            Arrays.sort(t);
            out.put(i + " " + labels.get(i), t[repeats / 2] / 1e6);
        }
        return out;
    }

    /** Runs every step; with {@code ns}, waits after each and records its time in {@code ns[step][rep]}. */
    private List<Tensor> runSteps(List<Tensor> given, long[][] ns, int rep) {
        Map<String, Tensor> values = new HashMap<>(weights);
        for (int i = 0; i < inputs.size(); i++) values.put(inputs.get(i), given.get(i));
        OnnxDeviceSteps.Values v = new OnnxDeviceSteps.Values() {
            @Override
            public Tensor get(String name) {
                Tensor t = values.get(name);
                if (t == null) {
                    throw new OnnxFormatException("value '" + name + "' is a scalar or empty initializer, which only "
                            + "the host operators read");
                }
                return t;
            }

            @Override
            public OnnxTensor initializer(String name) {
                return model.initializers().get(name);
            }

            @Override
            public void put(String name, Tensor t) {
                values.put(name, t);
            }

            @Override
            public Tensor output(String name, int... shape) {
                return OnnxInference.this.output(name, shape);
            }

            @Override
            public Backend backend() {
                return backend;
            }
        };
        if (ns != null) backend.finish();
        for (int i = 0; i < steps.size(); i++) {
            long start = System.nanoTime();
            steps.get(i).run(v);
            if (ns == null) continue;
            backend.finish();
            ns[i][rep] = System.nanoTime() - start;
        }
        return model.outputs().stream().map(values::get).toList();
    }

    private Tensor output(String name, int... shape) {
        return cache.computeIfAbsent(name + Arrays.toString(shape), k -> backend.full(Float.NaN, shape));
    }

    private void upload(Map<String, OnnxTensor> tensors) {
        for (OnnxTensor t : tensors.values()) {
            // scalars and empty tensors are read by host operators only: an engine tensor has no zero dimension
            if (t.size() == 0 || t.dims().length == 0) continue;
            weights.put(t.name(), backend.tensor(t.floats(), t.shape()));
        }
    }

    /** Releases the weights and the cached activations; the backend stays open. Never throws. */
    @Override
    public void close() {
        weights.values().forEach(Tensor::close);
        cache.values().forEach(Tensor::close);
        weights.clear();
        cache.clear();
    }
}
