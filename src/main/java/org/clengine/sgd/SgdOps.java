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
        update(param, momentumBuffer, grad, params, null);
    }

    /**
     * As {@link #update(Tensor, Tensor, Tensor, SgdParams)}, keeping param as the fp32 master weights and writing
     * the updated values rounded to {@code halfCopy}'s dtype (F16 or BF16, param's shape) in the same pass: the
     * 16-bit weights a half-precision forward reads (issue 15). halfCopy may be null.
     */
    public final void update(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params, Tensor halfCopy) {
        memory.exclusive(() -> {
            SgdArgs.check(memory, param, momentumBuffer, grad, params, halfCopy);
            updateChecked(param, momentumBuffer, grad, params, halfCopy);
        });
    }

    /** halfCopy null, or a 16-bit tensor of param's shape to receive the new param rounded. */
    protected abstract void updateChecked(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params,
            Tensor halfCopy);
}
