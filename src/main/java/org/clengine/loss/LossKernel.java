package org.clengine.loss;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.i32;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelBinding.Param;

/**
 * The kernels of kernels/loss.cl, one constant each, with their parameters as the source names them. It lives beside
 * {@link LossFamily}, which lists the bindings, and not in the OpenCL package, which the API must not import.
 */
public enum LossKernel {
    SOFTMAX_XENT_ROWS("loss_softmax_xent_rows", buffer("rows"), buffer("dlogits"), buffer("logits"),
            buffer("labels"), i32("N"), i32("K")),
    SOFTMAX_XENT_ROWS_GROUP("loss_softmax_xent_rows_group", buffer("rows"), buffer("dlogits"), buffer("logits"),
            buffer("labels"), i32("N"), i32("K")),
    SOFTMAX_XENT_SUM("loss_softmax_xent_sum", buffer("result"), buffer("rows"), i32("N"));

    public static final String FILE = "loss.cl";
    private final KernelBinding binding;

    LossKernel(String name, Param... params) {
        this.binding = KernelBinding.of(FILE, name, params);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of loss.cl, in source order. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(LossKernel::binding).toList();
    }
}
