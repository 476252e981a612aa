package org.clengine.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;

/**
 * A layer or a composition of layers, written only against {@link Backend}: the same model runs on the reference
 * for tests and on OpenCL for real.
 *
 * <p>{@link #forward} returns a tensor the module owns and reuses (valid until its next forward with that batch
 * shape); {@link #backward} takes the gradient of that output and returns the gradient of the input (or null when
 * {@link #requireInputGradient} turned it off, as for the first layer), overwriting the parameters' gradients.
 * Backward uses what the last forward saved, so it must follow a training-mode forward of the same batch.
 *
 * <p>Parameters, buffers (running statistics) and counters (batches tracked) are named as in PyTorch's
 * {@code state_dict}: a child's names are prefixed with its name and a dot ({@code 0.weight},
 * {@code 1.running_mean}, {@code layer1.0.bn1.num_batches_tracked}).
 */
public abstract class Module implements AutoCloseable {
    protected final Backend backend;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Workspace workspace;
    private boolean training = true;
    private boolean inputGradient = true;

    protected Module(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("backend is null");
        this.backend = backend;
        this.workspace = new Workspace(backend);
    }

    public abstract Tensor forward(Tensor x);

    public abstract Tensor backward(Tensor dy);

    public Backend backend() {
        return backend;
    }

    /** Training mode: batch norm normalizes with batch statistics and updates its running statistics. */
    public final Module train() {
        setTraining(true);
        return this;
    }

    /** Evaluation mode: batch norm normalizes with its running statistics. */
    public final Module eval() {
        setTraining(false);
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    private void setTraining(boolean on) {
        training = on;
        children.values().forEach(c -> c.setTraining(on));
    }

    /** Whether backward computes the input's gradient; off for a model's first layer, whose input is data. */
    public void requireInputGradient(boolean on) {
        inputGradient = on;
    }

    protected final boolean inputGradient() {
        return inputGradient;
    }

    /** Every parameter of this module and its descendants, in registration order. */
    public final Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>(parameters);
        children.forEach((name, c) -> c.parameters().forEach((k, v) -> out.put(name + "." + k, v)));
        return Collections.unmodifiableMap(out);
    }

    /** Every buffer (running mean and variance) of this module and its descendants. */
    public final Map<String, Tensor> buffers() {
        Map<String, Tensor> out = new LinkedHashMap<>(buffers);
        children.forEach((name, c) -> c.buffers().forEach((k, v) -> out.put(name + "." + k, v)));
        return Collections.unmodifiableMap(out);
    }

    /** Every counter (batch norm's num_batches_tracked) of this module and its descendants. */
    public final Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>(ownCounters());
        children.forEach((name, c) -> c.counters().forEach((k, v) -> out.put(name + "." + k, v)));
        return out;
    }

    /** Sets a counter by its full name, as {@link #counters()} lists it. */
    public final void setCounter(String name, long value) {
        int dot = name.indexOf('.');
        Module child = dot < 0 ? null : children.get(name.substring(0, dot));
        if (child != null) {
            child.setCounter(name.substring(dot + 1), value);
        } else if (ownCounters().containsKey(name)) {
            setOwnCounter(name, value);
        } else {
            throw new IllegalArgumentException("no counter named '" + name + "'");
        }
    }

    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    protected Map<String, Long> ownCounters() {
        return Map.of();
    }

    protected void setOwnCounter(String name, long value) {
        throw new IllegalArgumentException("no counter named '" + name + "'");
    }

    /** Registers a parameter with these initial values and a zero gradient. */
    protected final Parameter parameter(String name, float[] values, int... shape) {
        Parameter p = new Parameter(backend, backend.tensor(values, shape), backend.full(0f, shape));
        parameters.put(name, p);
        return p;
    }

    protected final Tensor buffer(String name, Tensor t) {
        buffers.put(name, t);
        return t;
    }

    protected final <M extends Module> M child(String name, M module) {
        if (module.backend() != backend) {
            throw new IllegalArgumentException("module '" + name + "' runs on " + module.backend().name()
                    + ", not on " + backend.name());
        }
        children.put(name, module);
        return module;
    }

    /** A reused activation or gradient tensor of this shape (see {@link Workspace}). */
    protected final Tensor workspace(String name, int... shape) {
        return workspace.get(name, shape);
    }

    /**
     * A reused tensor of {@code dtype}: activations and their gradients take the dtype of the module's input, so a
     * model run on 16-bit data keeps its activations in 16 bits (statistics and parameters stay F32).
     */
    protected final Tensor workspace(String name, DType dtype, int... shape) {
        return workspace.get(name, dtype, shape);
    }

    /**
     * Throws when the input does not fit: {@code expected} is the shape the module takes with -1 for any size
     * (e.g. {-1, 3, -1, -1} for [N,3,H,W]); the message names the module, what it takes and what it got.
     */
    protected static void expectShape(String module, Tensor x, int... expected) {
        if (x == null) throw new IllegalArgumentException(module + ": input is null");
        boolean ok = x.rank() == expected.length;
        for (int i = 0; ok && i < expected.length; i++) ok = expected[i] < 0 || x.dim(i) == expected[i];
        if (!ok) {
            StringBuilder want = new StringBuilder("[");
            String letters = expected.length == 4 ? "NCHW" : "NC";
            for (int i = 0; i < expected.length; i++) {
                if (i > 0) want.append(", ");
                want.append(expected[i] >= 0 ? Integer.toString(expected[i])
                        : i < letters.length() ? String.valueOf(letters.charAt(i)) : "?");
            }
            throw new IllegalArgumentException(module + " takes input " + want + "], got " + x.shapeString());
        }
    }

    /** Throws when backward comes before any forward. */
    protected static void expectForward(String module, Tensor saved) {
        if (saved == null) throw new IllegalStateException(module + ": backward before forward");
    }

    /** Closes children (newest first), then parameters, buffers and activations. Never throws. */
    @Override
    public void close() {
        List<Module> kids = new ArrayList<>(children.values());
        Collections.reverse(kids);
        kids.forEach(Module::close);
        parameters.values().forEach(Parameter::close);
        buffers.values().forEach(Tensor::close);
        workspace.close();
    }
}
