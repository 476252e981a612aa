package org.clengine.backend;

import org.clengine.batchnorm.BatchNormOps;
import org.clengine.conv2d.Conv2dOps;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.elementwise.ElementwiseOps;
import org.clengine.loss.LossOps;
import org.clengine.matmul.MatmulOps;
import org.clengine.pooling.PoolingOps;
import org.clengine.sgd.SgdOps;

/**
 * The op contract: the sum of the op families' contracts, one accessor each ({@code backend.batchNorm()
 * .forwardTraining(...)}). Implemented by {@link ReferenceBackend} (plain Java, double accumulation: the oracle) and
 * by {@link OpenClBackend} (kernels/*.cl). Every op takes outputs first, then inputs, then parameters; every tensor
 * must be open and live in this backend's {@link #memory()}. Ops may run asynchronously: reading a tensor waits for
 * them.
 */
public interface Backend extends AutoCloseable {

    /** "reference" or "opencl:DEVICE". */
    default String name() {
        return memory().name();
    }

    /** Where this backend's tensors live. */
    Memory memory();

    /** A new tensor holding a copy of {@code data}. */
    default Tensor tensor(float[] data, int... shape) {
        return memory().tensor(data, shape);
    }

    /** A new tensor filled with {@code value}. */
    default Tensor full(float value, int... shape) {
        return memory().full(value, shape);
    }

    /** A new tensor of {@code dtype} holding {@code data} rounded to it (nearest even). */
    default Tensor tensor(org.clengine.core.DType dtype, float[] data, int... shape) {
        return memory().tensor(dtype, data, shape);
    }

    /** A new tensor of {@code dtype} filled with {@code value} rounded to it. */
    default Tensor full(org.clengine.core.DType dtype, float value, int... shape) {
        return memory().full(dtype, value, shape);
    }

    /** Waits until every op enqueued so far has finished (a no-op on the reference). */
    default void finish() {
        memory().finish();
    }

    BatchNormOps batchNorm();

    Conv2dOps conv2d();

    MatmulOps matmul();

    PoolingOps pooling();

    ElementwiseOps elementwise();

    LossOps loss();

    SgdOps sgd();

    @Override
    void close();
}
