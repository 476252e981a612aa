package org.clengine.matmul;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * GEMM's contract, implemented by {@link MatmulReference} (plain loops, double) and by the OpenCL path. Every call
 * is checked here, identically for both, then run while holding the memory. {@code beta == 0} never reads C.
 */
public abstract class MatmulOps {
    private final Memory memory;

    protected MatmulOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public final Memory memory() {
        return memory;
    }

    public final void gemm(Gemm call) {
        memory.exclusive(() -> {
            MatmulArgs.check(memory, call);
            gemm(call.c(), call.a(), call.b(), call.bias(), call.shape(), call.layout(), call.params());
        });
    }

    /**
     * {@code C = A·B} with the sizes taken from the tensors: A [M,K], B [K,N], C [M,N], or batched [batch,M,K],
     * [batch,K,N], [batch,M,N].
     */
    public final void matmul(Tensor c, Tensor a, Tensor b) {
        gemm(Gemm.of(c, a, b, MatmulShape.fromTensors(c, a, b)));
    }

    protected abstract void gemm(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
            MatmulParams params);
}
