package org.clengine.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host copy of a module's whole state: every parameter's value and gradient, every buffer (running statistics)
 * and every counter (batches tracked). {@link #restore()} writes it back bit for bit, so a measurement that runs
 * training-mode forwards, backwards or moves the weights (a probe of the loss landscape, an evaluation with batch
 * statistics) can leave the model exactly as it found it. An optimizer's state (momentum buffers) is not part of
 * a module and is not copied: leave the optimizer alone instead.
 */
public final class ModuleSnapshot {
    private final Module module;
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, float[]> grads = new LinkedHashMap<>();
    private final Map<String, float[]> buffers = new LinkedHashMap<>();
    private final Map<String, Long> counters;

    private ModuleSnapshot(Module module) {
        this.module = module;
        module.parameters().forEach((k, p) -> {
            values.put(k, p.value().toArray());
            grads.put(k, p.grad().toArray());
        });
        module.buffers().forEach((k, t) -> buffers.put(k, t.toArray()));
        counters = module.counters();
    }

    /** Copies {@code module}'s state to the host now. */
    public static ModuleSnapshot of(Module module) {
        if (module == null) throw new IllegalArgumentException("module is null");
        return new ModuleSnapshot(module);
    }

    /** The parameter values at the time of the snapshot, by name (the arrays are the snapshot's own: do not write). */
    public Map<String, float[]> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** Writes the copied state back into the module: values, gradients, buffers and counters. */
    public void restore() {
        module.parameters().forEach((k, p) -> {
            p.value().copyFrom(values.get(k));
            p.grad().copyFrom(grads.get(k));
        });
        module.buffers().forEach((k, t) -> t.copyFrom(buffers.get(k)));
        counters.forEach(module::setCounter);
    }
}
