package org.clengine.pooling;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Pooling's contract (max, average, global average; forward and backward), implemented by {@link PoolingReference}
 * and by the OpenCL path. Every call is checked here, identically for both, then run while holding the memory.
 */
public abstract class PoolingOps {
    private final Memory memory;

    protected PoolingOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public final Memory memory() {
        return memory;
    }

    /**
     * Max pooling: y [N,C,P,Q] = the largest x [N,C,H,W] in each window; padding never wins. NaN counts as the
     * largest value; among equal values the first in row-major window order wins (the argmax backward uses).
     */
    public final void maxForward(Tensor y, Tensor x, Pool2dParams params) {
        memory.exclusive(() -> maxForward(y, x, PoolingArgs.checkForward(memory, y, x, params)));
    }

    /** dx [N,C,H,W] = the sum of dy over the windows whose argmax (found again in x) is that element; no atomics. */
    public final void maxBackward(Tensor dx, Tensor dy, Tensor x, Pool2dParams params) {
        memory.exclusive(() -> maxBackward(dx, dy, x, PoolingArgs.checkMaxBackward(memory, dx, dy, x, params)));
    }

    /** y = mean of each window (divisor as {@link Pool2dParams#countIncludePad()} says). */
    public final void avgForward(Tensor y, Tensor x, Pool2dParams params) {
        memory.exclusive(() -> avgForward(y, x, PoolingArgs.checkForward(memory, y, x, params)));
    }

    /** dx [N,C,H,W] = Σ over windows containing it of dy / divisor. */
    public final void avgBackward(Tensor dx, Tensor dy, Pool2dParams params) {
        memory.exclusive(() -> avgBackward(dx, dy, PoolingArgs.checkAvgBackward(memory, dx, dy, params)));
    }

    /** y [N,C] = mean of x [N,C,H,W] over H·W. */
    public final void globalAvgForward(Tensor y, Tensor x) {
        memory.exclusive(() -> {
            PoolingArgs.checkGlobal(memory, "x", x, "y", y);
            globalAvgForward(y, x, x.dim(2) * x.dim(3));
        });
    }

    /** dx [N,C,H,W] = dy [N,C] / (H·W). */
    public final void globalAvgBackward(Tensor dx, Tensor dy) {
        memory.exclusive(() -> {
            PoolingArgs.checkGlobal(memory, "dx", dx, "dy", dy);
            globalAvgBackward(dx, dy, dx.dim(2) * dx.dim(3));
        });
    }

    protected abstract void maxForward(Tensor y, Tensor x, Pool2dShape shape);

    protected abstract void maxBackward(Tensor dx, Tensor dy, Tensor x, Pool2dShape shape);

    protected abstract void avgForward(Tensor y, Tensor x, Pool2dShape shape);

    protected abstract void avgBackward(Tensor dx, Tensor dy, Pool2dShape shape);

    protected abstract void globalAvgForward(Tensor y, Tensor x, int hw);

    protected abstract void globalAvgBackward(Tensor dx, Tensor dy, int hw);
}
