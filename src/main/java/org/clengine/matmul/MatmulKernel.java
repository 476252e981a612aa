package org.clengine.matmul;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.f32;
import static org.clengine.device.KernelBinding.i32;
import static org.clengine.device.KernelBinding.i64;

import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;

/**
 * The kernels of kernels/matmul.cl, one constant each, with every parameter named and typed as in the source. It
 * lives beside {@link MatmulFamily}, which lists the bindings, and not in the OpenCL package, which the API must not
 * import.
 */
public enum MatmulKernel {
    PLAIN(of("matmul_plain", buffer("c"), buffer("a"), buffer("b"), buffer("bias"), i32("M"), i32("N"), i32("K"),
            i32("a_off"), i32("lda"), i32("a_stride"), i32("ta"), i32("b_off"), i32("ldb"), i32("b_stride"),
            i32("tb"), i32("c_off"), i32("ldc"), i32("c_stride"), f32("alpha"), f32("beta"), i32("epi"))),
    PACK_A(of("matmul_pack_a", buffer("ap"), buffer("a"), i32("M"), i32("K"), i32("a_off"), i32("lda"),
            i32("a_stride"), i32("ta"), i64("ap_stride"))),
    PACK_B(of("matmul_pack_b", buffer("bp"), buffer("b"), i32("N"), i32("K"), i32("b_off"), i32("ldb"),
            i32("b_stride"), i32("tb"), i32("col0"), i64("bp_stride"))),
    PACKED(of("matmul_packed", buffer("c"), buffer("ap"), buffer("b"), buffer("bt"), buffer("bias"), i32("M"),
            i32("N"), i32("K"), i32("c_off"), i32("ldc"), i32("c_stride"), i64("ap_stride"), i64("b_off"),
            i64("b_stride"), i64("b_panel"), i32("b_row"), i32("full_panels"), i64("bt_stride"), i32("mc"),
            i32("nc"), i32("kc"), f32("alpha"), f32("beta"), i32("epi"), i64("a_off"), i32("a_rs"), i32("a_ks"))),
    /** The GPU family's GEMM: matmul_plain's arguments, local-memory tiles ({@link MatmulTiling}). */
    TILED(of("matmul_tiled", buffer("c"), buffer("a"), buffer("b"), buffer("bias"), i32("M"), i32("N"), i32("K"),
            i32("a_off"), i32("lda"), i32("a_stride"), i32("ta"), i32("b_off"), i32("ldb"), i32("b_stride"),
            i32("tb"), i32("c_off"), i32("ldc"), i32("c_stride"), f32("alpha"), f32("beta"), i32("epi")));

    public static final String FILE = "matmul.cl";
    public final KernelBinding binding;

    MatmulKernel(KernelBinding binding) {
        this.binding = binding;
    }

    /** Every kernel of the file, in declaration order. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(k -> k.binding).toList();
    }

    private static KernelBinding of(String name, KernelBinding.Param... params) {
        return KernelBinding.of(FILE, name, params);
    }
}
