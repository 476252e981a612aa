package org.clengine.sgd;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * One SGD step in place, PyTorch's formula ({@link SgdParams}); implemented by {@link SgdReference} and by the
 * OpenCL path. Checked here, identically for both.
 */
public abstract class SgdOps {
    private final Memory memory;

    protected SgdOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public final Memory memory() {
        return memory;
    }

    /** Without momentum (params.momentum() must be 0): p −= lr·(g + wd·p). */
    public final void update(Tensor param, Tensor grad, SgdParams params) {
        update(param, null, grad, params);
    }

    /** With a momentum buffer (null exactly when params.momentum() is 0), updated in place with param. */
    public final void update(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params) {
        memory.exclusive(() -> {
            SgdArgs.check(memory, param, momentumBuffer, grad, params);
            updateChecked(param, momentumBuffer, grad, params);
        });
    }

    protected abstract void updateChecked(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params);
}
