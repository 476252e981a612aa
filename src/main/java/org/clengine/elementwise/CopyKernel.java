package org.clengine.elementwise;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.i64;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelBinding.Param;

/**
 * The kernel of kernels/copy.cl: the tensor copy, and the bandwidth ceiling benchmarks compare against. Listed by
 * {@link ElementwiseFamily}, the family that owns copy.cl.
 */
public enum CopyKernel {
    COPY_FLOAT4("copy_float4", buffer("dst"), buffer("src"), i64("n4"), i64("span"));

    public static final String FILE = "copy.cl";
    private final KernelBinding binding;

    CopyKernel(String name, Param... params) {
        this.binding = KernelBinding.of(FILE, name, params);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of copy.cl. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(CopyKernel::binding).toList();
    }
}
