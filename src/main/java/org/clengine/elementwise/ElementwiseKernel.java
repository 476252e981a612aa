package org.clengine.elementwise;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.f32;
import static org.clengine.device.KernelBinding.i32;
import static org.clengine.device.KernelBinding.i64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelBinding.Param;

/**
 * The kernels of kernels/elementwise.cl, one constant each, with their parameters as the source names them; every
 * one ends in {@code long n, long span}. It lives beside {@link ElementwiseFamily}, which lists the bindings, and not
 * in the OpenCL package, which the API must not import.
 */
public enum ElementwiseKernel {
    SCALE("elementwise_scale", buffer("y"), buffer("x"), f32("alpha")),
    ADD("elementwise_add", buffer("y"), buffer("a"), buffer("b")),
    ADD_BWD("elementwise_add_bwd", buffer("da"), buffer("db"), buffer("dy"), i32("has_a"), i32("has_b")),
    RELU_FWD("elementwise_relu_fwd", buffer("y"), buffer("x")),
    RELU_BWD("elementwise_relu_bwd", buffer("dx"), buffer("dy"), buffer("y")),
    SIGMOID_FWD("elementwise_sigmoid_fwd", buffer("y"), buffer("x")),
    SIGMOID_BWD("elementwise_sigmoid_bwd", buffer("dx"), buffer("dy"), buffer("y")),
    CONVERT("elementwise_convert", buffer("y"), buffer("x"));

    public static final String FILE = "elementwise.cl";
    private final KernelBinding binding;

    ElementwiseKernel(String name, Param... params) {
        List<Param> all = new ArrayList<>(Arrays.asList(params));
        all.add(i64("n"));
        all.add(i64("span"));
        this.binding = new KernelBinding(FILE, name, all);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of elementwise.cl, in source order. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(ElementwiseKernel::binding).toList();
    }
}
