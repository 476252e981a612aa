package org.clengine.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * Modules applied in order, named "0", "1", … as in PyTorch. When built, a layer that can apply a ReLU itself
 * ({@link ReluFusable}: batch norm, convolution, linear) and is followed by a ReLU takes that ReLU into its own
 * kernels; the ReLU module stays in the list (names unchanged) and passes through. A convolution followed by batch
 * norm runs, in training, as one op that takes the statistics while the convolution writes.
 */
public final class Sequential extends Module {
    private final List<Module> modules;

    public Sequential(Backend backend, Module... modules) {
        this(backend, List.of(modules));
    }

    public Sequential(Backend backend, List<? extends Module> modules) {
        super(backend);
        if (modules.isEmpty()) throw new IllegalArgumentException("Sequential needs at least one module");
        this.modules = new ArrayList<>(modules);
        for (int i = 0; i < modules.size(); i++) child(Integer.toString(i), modules.get(i));
        for (int i = 0; i + 1 < modules.size(); i++) {
            if (modules.get(i) instanceof ReluFusable f && modules.get(i + 1) instanceof Activation a
                    && a.kind() == Activation.Kind.RELU) {
                f.fuseRelu();
                a.absorb();
            }
        }
    }

    public List<Module> modules() {
        return Collections.unmodifiableList(modules);
    }

    @Override
    public void requireInputGradient(boolean on) {
        super.requireInputGradient(on);
        modules.get(0).requireInputGradient(on);
    }

    /** Runs the modules in turn; a convolution followed by batch norm runs as one fused op (conv → BN statistics). */
    @Override
    public Tensor forward(Tensor x) {
        Tensor t = x;
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            if (m instanceof Conv2d conv && i + 1 < modules.size() && modules.get(i + 1) instanceof BatchNorm bn
                    && bn.spatial()) {
                t = bn.forwardAfter(conv, t, null);
                i++;
            } else {
                t = m.forward(t);
            }
        }
        return t;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor g = dy;
        for (int i = modules.size() - 1; i >= 0; i--) g = modules.get(i).backward(g);
        return g;
    }
}
