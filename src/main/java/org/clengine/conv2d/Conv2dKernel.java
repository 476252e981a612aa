package org.clengine.conv2d;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.i32;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelBinding.Param;

/**
 * The kernels of kernels/conv2d.cl, conv2d_depthwise.cl and conv2d_blocked.cl, one constant each, with their parameters as the sources
 * name them ({@code CONV_DIMS} spelled out: the sizes and parameters every convolution kernel takes). It lives
 * beside {@link Conv2dFamily}, which lists the bindings, and not in the OpenCL package, which the API must not
 * import.
 */
public enum Conv2dKernel {
    FWD_DIRECT(Conv2dKernel.FILE, "conv2d_fwd_direct", params(buffer("y"), buffer("x"), buffer("w"), buffer("bias"),
            i32("n0")), convDims()),
    BWD_DATA_DIRECT(Conv2dKernel.FILE, "conv2d_bwd_data_direct", params(buffer("dx"), buffer("dy"), buffer("w")),
            convDims()),
    BWD_WEIGHTS_DIRECT(Conv2dKernel.FILE, "conv2d_bwd_weights_direct", params(buffer("dw"), buffer("dy"),
            buffer("x")), convDims()),
    BWD_BIAS(Conv2dKernel.FILE, "conv2d_bwd_bias", params(buffer("dbias"), buffer("dy"), i32("N"), i32("K"),
            i32("PQ"))),
    FWD_DEPTHWISE(Conv2dKernel.DEPTHWISE_FILE, "conv2d_fwd_depthwise", params(buffer("y"), buffer("x"), buffer("w"),
            buffer("bias"), i32("y_off"), i32("n0")), convDims()),
    BWD_WEIGHTS_DEPTHWISE(Conv2dKernel.DEPTHWISE_FILE, "conv2d_bwd_weights_depthwise", params(buffer("part"),
            buffer("dy"), buffer("x")), convDims()),
    FWD_DEPTHWISE_TILE(Conv2dKernel.DEPTHWISE_FILE, "conv2d_fwd_depthwise_tile", params(buffer("y"), buffer("x"),
            buffer("w"), buffer("bias"), i32("y_off"), i32("n0")), convDims()),
    IM2COL(Conv2dKernel.FILE, "conv2d_im2col", params(buffer("col"), buffer("x"), i32("n0")), convDims()),
    IM2COL_WIDE(Conv2dKernel.FILE, "conv2d_im2col_wide", params(buffer("col"), buffer("x"), i32("n0"), i32("nb")),
            convDims()),
    IMAGES_WIDE(Conv2dKernel.FILE, "conv2d_images_wide", params(buffer("dst"), buffer("src"), i32("n0"), i32("nb"),
            i32("K"), i32("PQ"))),
    IMAGES_NARROW(Conv2dKernel.FILE, "conv2d_images_narrow", params(buffer("dst"), buffer("src"), i32("n0"),
            i32("nb"), i32("K"), i32("PQ"), i32("dst_off"))),
    BWD_WEIGHTS_DOT(Conv2dKernel.FILE, "conv2d_bwd_weights_dot", params(buffer("dw"), buffer("dy"), buffer("col"),
            i32("n0"), i32("nb"), i32("K"), i32("KG"), i32("NG"), i32("PQ"), i32("off"), i32("img"), i32("grp"),
            i32("acc_in"), i32("n_first"))),
    COL2IM(Conv2dKernel.FILE, "conv2d_col2im", params(buffer("dx"), buffer("dcol"), i32("n0")), convDims()),
    FLIP_WEIGHTS(Conv2dKernel.FILE, "conv2d_flip_weights", params(buffer("wf"), buffer("w"), i32("C"), i32("K"),
            i32("R"), i32("S"), i32("G"), i32("r0"), i32("sh"), i32("RA"), i32("t0"), i32("sw"), i32("SB"))),
    PHASE_GATHER(Conv2dKernel.FILE, "conv2d_phase_gather", params(buffer("dx"), buffer("ph"), i32("N"), i32("C"),
            i32("H"), i32("W"), i32("R"), i32("S"), i32("sh"), i32("sw"), i32("pt"), i32("pl"), i32("HS"),
            i32("WS"))),
    SUM_IMAGES(Conv2dKernel.FILE, "conv2d_sum_images", params(buffer("dw"), buffer("part"), i32("nb"), i32("len"),
            i32("accumulate"))),
    PACK_BLOCKED(Conv2dKernel.BLOCKED_FILE, "conv2d_pack_blocked", params(buffer("wp"), buffer("w"), i32("K"),
            i32("C"), i32("RS"))),
    FWD_BLOCKED(Conv2dKernel.BLOCKED_FILE, "conv2d_fwd_blocked", params(buffer("y"), buffer("x"), buffer("wp"),
            buffer("bias"), i32("y_off"), i32("n0")), convDims());

    public static final String FILE = "conv2d.cl";
    public static final String DEPTHWISE_FILE = "conv2d_depthwise.cl";
    public static final String BLOCKED_FILE = "conv2d_blocked.cl";

    private final KernelBinding binding;

    Conv2dKernel(String file, String name, Param[] head, Param[]... tail) {
        Stream<Param> all = Arrays.stream(head);
        for (Param[] t : tail) all = Stream.concat(all, Arrays.stream(t));
        this.binding = KernelBinding.of(file, name, all.toArray(Param[]::new));
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every binding of both files, in declaration order. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(Conv2dKernel::binding).toList();
    }

    private static Param[] params(Param... p) {
        return p;
    }

    /** CONV_DIMS: int N, C, H, W, K, R, S, P, Q, sh, sw, pt, pl, dlh, dlw, G. */
    private static Param[] convDims() {
        return Stream.of("N", "C", "H", "W", "K", "R", "S", "P", "Q", "sh", "sw", "pt", "pl", "dlh", "dlw", "G")
                .map(KernelBinding::i32).toArray(Param[]::new);
    }
}
