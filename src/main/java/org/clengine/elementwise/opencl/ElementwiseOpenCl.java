package org.clengine.elementwise.opencl;

import static org.clengine.core.TensorChecks.ceilDiv;
import static org.clengine.core.TensorChecks.roundUp;
import static org.clengine.device.ClTensor.buffer;
import static org.clengine.elementwise.ElementwiseKernel.*;

import java.util.Arrays;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.elementwise.CopyKernel;
import org.clengine.elementwise.ElementwiseKernel;
import org.clengine.elementwise.ElementwiseOps;
import org.clengine.elementwise.ElementwisePolicy;

/**
 * The elementwise ops on one OpenCL device: kernels/elementwise.cl with one work-item per span of elements, copy
 * through copy.cl, fill as a buffer fill. Spans and local sizes come from the {@link ElementwisePolicy}; arguments
 * are checked by {@link ElementwiseOps}.
 */
public final class ElementwiseOpenCl extends ElementwiseOps {
    private final Device device;
    private final ElementwisePolicy policy;

    public ElementwiseOpenCl(Device device, ElementwisePolicy policy) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("policy is null");
        this.device = device;
        this.policy = policy;
    }

    public ElementwisePolicy policy() {
        return policy;
    }

    /**
     * copy_float4 for the whole float4s (it streams ≈ 42 GB/s on PoCL where clEnqueueCopyBuffer gives ≈ 18), a
     * plain buffer copy for the last size % 4 floats.
     */
    @Override
    protected void copyChecked(Tensor dst, Tensor src) {
        DeviceBuffer d = buffer(dst), s = buffer(src);
        // bytes are bytes: a 16-bit tensor of n values is n/2 floats to copy_float4
        long floats = (long) src.size() * src.dtype().bytes() / 4;
        long n4 = floats / 4;
        if (n4 > 0) {
            long span = policy.copySpan(), local = policy.copyLocal();
            long items = roundUp(ceilDiv(n4, span), local);
            device.launch(CopyKernel.COPY_FLOAT4.binding(), "", new long[] {items}, new long[] {local}, d, s, n4,
                    span);
        }
        long tail = (long) src.size() * src.dtype().bytes() - 16 * n4;
        if (tail > 0) device.copy(d, 16 * n4, s, 16 * n4, tail);
    }

    @Override
    protected void fillChecked(Tensor t, float value) {
        if (t.dtype() == DType.F32) {
            device.fill(buffer(t), value, t.size());
        } else {
            device.fill(buffer(t), t.dtype().toBits(value), t.size());
        }
    }

    /** Built for the pair: -DACT for src's dtype, -DDST for dst's. */
    @Override
    protected void convertChecked(Tensor dst, Tensor src) {
        launchWith(CONVERT, src, (act(src) + " -DDST=" + code(dst.dtype())).strip(), buffer(dst), buffer(src));
    }

    @Override
    protected void scaleChecked(Tensor y, Tensor x, float alpha) {
        launch(SCALE, y, buffer(y), buffer(x), alpha);
    }

    @Override
    protected void addChecked(Tensor y, Tensor a, Tensor b) {
        launch(ADD, y, buffer(y), buffer(a), buffer(b));
    }

    /** Both outputs are required by the contract, so the kernel's has_a and has_b are always 1. */
    @Override
    protected void addBackwardChecked(Tensor da, Tensor db, Tensor dy) {
        launch(ADD_BWD, dy, buffer(da), buffer(db), buffer(dy), 1, 1);
    }

    @Override
    protected void reluForwardChecked(Tensor y, Tensor x) {
        launch(RELU_FWD, y, buffer(y), buffer(x));
    }

    @Override
    protected void reluBackwardChecked(Tensor dx, Tensor dy, Tensor y) {
        launch(RELU_BWD, dx, buffer(dx), buffer(dy), buffer(y));
    }

    @Override
    protected void sigmoidForwardChecked(Tensor y, Tensor x) {
        launch(SIGMOID_FWD, y, buffer(y), buffer(x));
    }

    @Override
    protected void sigmoidBackwardChecked(Tensor dx, Tensor dy, Tensor y) {
        launch(SIGMOID_BWD, dx, buffer(dx), buffer(dy), buffer(y));
    }

    /**
     * The kernel's own arguments, then {@code long n, long span}; ⌈n/span⌉ items rounded up to the local size; built
     * for the dtype of {@code t} (all of a call's tensors have it): -DACT=1|2 for F16|BF16, no option for F32.
     */
    private void launch(ElementwiseKernel k, Tensor t, Object... leading) {
        launchWith(k, t, act(t), leading);
    }

    private void launchWith(ElementwiseKernel k, Tensor t, String options, Object... leading) {
        long n = t.size();
        long span = policy.span(), local = policy.local();
        Object[] args = Arrays.copyOf(leading, leading.length + 2);
        args[leading.length] = n;
        args[leading.length + 1] = span;
        device.launch(k.binding(), options, new long[] {roundUp(ceilDiv(n, span), local)}, new long[] {local}, args);
    }

    /** act16.clh's build option for t's dtype: none for F32. */
    private static String act(Tensor t) {
        return t.dtype() == DType.F32 ? "" : "-DACT=" + code(t.dtype());
    }

    /** The storage codes of act16.clh's ACT and elementwise.cl's DST: 0 float, 1 half, 2 bfloat16. */
    private static int code(DType d) {
        return switch (d) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
        };
    }
}
