package org.clengine.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.sgd.SgdParams;
import org.clengine.core.Tensor;

/**
 * SGD with momentum and weight decay over a model's parameters, PyTorch's {@code torch.optim.SGD} (dampening 0,
 * not Nesterov; weight decay on every parameter). Momentum buffers are allocated once, at construction.
 */
public final class Sgd implements AutoCloseable {
    private final Backend backend;
    private final List<Parameter> parameters;
    private final List<Tensor> buffers = new ArrayList<>();
    private SgdParams params;

    public Sgd(Map<String, Parameter> parameters, double lr, double momentum, double weightDecay) {
        if (parameters.isEmpty()) throw new IllegalArgumentException("SGD needs at least one parameter");
        this.parameters = List.copyOf(parameters.values());
        this.backend = this.parameters.get(0).backend();
        this.params = new SgdParams((float) lr, (float) momentum, (float) weightDecay);
        if (params.hasMomentum()) {
            for (Parameter p : this.parameters) buffers.add(backend.full(0f, p.value().shape()));
        }
    }

    public double lr() {
        return params.lr();
    }

    public void setLr(double lr) {
        params = params.withLr((float) lr);
    }

    /** Updates every parameter from its gradient. */
    public void step() {
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            // the 16-bit copy the forward reads is written by the same pass, from the updated fp32 master
            Tensor half = p.onlyCopy();
            backend.sgd().update(p.value(), buffers.isEmpty() ? null : buffers.get(i), p.grad(), params, half);
            if (half == null) p.refreshCopies(); // several copies (F16 and BF16 at once): through the host
        }
    }

    @Override
    public void close() {
        buffers.forEach(Tensor::close);
    }
}
