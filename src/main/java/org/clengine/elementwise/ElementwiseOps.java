package org.clengine.elementwise;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorChecks;

/**
 * The small ops of the training loop, implemented by {@link ElementwiseReference} and by the OpenCL path: copy,
 * fill, scale, the residual add and its gradient, ReLU and sigmoid. Tensors of one shape. An output may be one of
 * the inputs, or a view of one (in place): every element is read before it is written, by the same work-item, and
 * a view spans its whole storage, so sharing storage means element i is element i of both; copy onto itself does
 * nothing. Two outputs may not share storage (addBackward's da and db). The tensors of one call share one dtype,
 * F32, F16 or BF16 (issue 15): the ops compute in fp32 and round once on the store. Every call is checked here,
 * identically for both, then run while holding the memory.
 */
public abstract class ElementwiseOps {
    private final Memory memory;

    protected ElementwiseOps(Memory memory) {
        if (memory == null) throw new IllegalArgumentException("memory is null");
        this.memory = memory;
    }

    public final Memory memory() {
        return memory;
    }

    /** dst = src, element for element; both of one shape. */
    public final void copy(Tensor dst, Tensor src) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "src", src, "dst", dst);
            // in place: nothing to do (a device buffer copied onto itself is an error in OpenCL)
            if (!dst.sharesStorageWith(src)) copyChecked(dst, src);
        });
    }

    /**
     * dst = src in dst's dtype, element for element (the explicit conversion between F32, F16 and BF16 that the
     * other ops refuse to do silently): round to nearest even, NaN stays NaN, ±Inf stays ±Inf, a value past dst's
     * range becomes ±Inf. Any two dtypes, one shape; dst may not share storage with src. Same dtypes: a copy.
     */
    public final void convert(Tensor dst, Tensor src) {
        memory.exclusive(() -> {
            ElementwiseArgs.convert(memory, dst, src);
            if (dst.dtype() == src.dtype()) {
                copyChecked(dst, src);
            } else {
                convertChecked(dst, src);
            }
        });
    }

    /** Every element of t = value (rounded to t's dtype). */
    public final void fill(Tensor t, float value) {
        memory.exclusive(() -> fillChecked(TensorChecks.requireAnyDType(memory, "t", t), value));
    }

    /** y = alpha·x; alpha finite. */
    public final void scale(Tensor y, Tensor x, float alpha) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "x", x, "y", y);
            scaleChecked(y, x, ElementwiseArgs.finite("alpha", alpha));
        });
    }

    /** y = a + b (the residual add). */
    public final void add(Tensor y, Tensor a, Tensor b) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "a", a, "b", b, "y", y);
            addChecked(y, a, b);
        });
    }

    /** Backward of {@link #add}: da = dy and db = dy. */
    public final void addBackward(Tensor da, Tensor db, Tensor dy) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "dy", dy, "da", da, "db", db);
            Aliasing.outputs("da", da, "db", db).check();
            addBackwardChecked(da, db, dy);
        });
    }

    /** y = max(x, 0); NaN stays NaN. */
    public final void reluForward(Tensor y, Tensor x) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "x", x, "y", y);
            reluForwardChecked(y, x);
        });
    }

    /** dx = dy where the forward output y &gt; 0, else 0 (PyTorch's threshold_backward on the output). */
    public final void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "dy", dy, "y", y, "dx", dx);
            reluBackwardChecked(dx, dy, y);
        });
    }

    /** y = 1 / (1 + exp(−x)). */
    public final void sigmoidForward(Tensor y, Tensor x) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "x", x, "y", y);
            sigmoidForwardChecked(y, x);
        });
    }

    /** dx = dy·y·(1 − y) from the forward output y. */
    public final void sigmoidBackward(Tensor dx, Tensor dy, Tensor y) {
        memory.exclusive(() -> {
            ElementwiseArgs.sameShape(memory, "dy", dy, "y", y, "dx", dx);
            sigmoidBackwardChecked(dx, dy, y);
        });
    }

    protected abstract void copyChecked(Tensor dst, Tensor src);

    protected abstract void fillChecked(Tensor t, float value);

    protected abstract void convertChecked(Tensor dst, Tensor src);

    protected abstract void scaleChecked(Tensor y, Tensor x, float alpha);

    protected abstract void addChecked(Tensor y, Tensor a, Tensor b);

    protected abstract void addBackwardChecked(Tensor da, Tensor db, Tensor dy);

    protected abstract void reluForwardChecked(Tensor y, Tensor x);

    protected abstract void reluBackwardChecked(Tensor dx, Tensor dy, Tensor y);

    protected abstract void sigmoidForwardChecked(Tensor y, Tensor x);

    protected abstract void sigmoidBackwardChecked(Tensor dx, Tensor dy, Tensor y);
}
