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

    /** The launch policy this implementation runs with; null for the reference, which has one way to compute. */
    public abstract MatmulPolicy policy();

    /**
     * The same op on the same memory with {@code policy} (a forced path, a tuning candidate): a new object, this one
     * unchanged. The reference, which has no policy, returns itself.
     */
    public abstract MatmulOps withPolicy(MatmulPolicy policy);

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
