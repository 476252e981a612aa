package org.clengine.sgd;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.f32;
import static org.clengine.device.KernelBinding.i64;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelBinding.Param;

/**
 * The kernel of kernels/sgd.cl, with its parameters as the source names them. It lives beside {@link SgdFamily},
 * which lists the binding, and not in the OpenCL package, which the API must not import.
 */
public enum SgdKernel {
    UPDATE("sgd_update", buffer("param"), buffer("buf"), buffer("copy"), buffer("grad"), f32("lr"), f32("momentum"), f32("wd"),
            i64("n"), i64("span"));

    public static final String FILE = "sgd.cl";
    private final KernelBinding binding;

    SgdKernel(String name, Param... params) {
        this.binding = KernelBinding.of(FILE, name, params);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of sgd.cl. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(SgdKernel::binding).toList();
    }
}
