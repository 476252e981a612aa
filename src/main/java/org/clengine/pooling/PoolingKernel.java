package org.clengine.pooling;

import static org.clengine.device.KernelBinding.buffer;
import static org.clengine.device.KernelBinding.i32;
import static org.clengine.device.KernelBinding.i64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelBinding.Param;

/**
 * The kernels of kernels/pooling.cl, one constant each, with their parameters as the source names them. The six
 * window kernels end in the source's POOL_DIMS macro (H, W, P, Q, kh, kw, sh, sw, ph, pw, planes), spelled out
 * here. It lives beside {@link PoolingFamily}, which lists the bindings, and not in the OpenCL package, which the
 * API must not import.
 */
public enum PoolingKernel {
    MAX_FWD("pooling_max_fwd", true, buffer("y"), buffer("x")),
    MAX_FWD_FIXED("pooling_max_fwd_fixed", true, buffer("y"), buffer("x")),
    MAX_FWD_EACH("pooling_max_fwd_each", true, buffer("y"), buffer("x")),
    MAX_BWD("pooling_max_bwd", true, buffer("dx"), buffer("dy"), buffer("x")),
    MAX_BWD_DISJOINT("pooling_max_bwd_disjoint", true, buffer("dx"), buffer("dy"), buffer("x")),
    MAX_BWD_DISJOINT_FIXED("pooling_max_bwd_disjoint_fixed", true, buffer("dx"), buffer("dy"), buffer("x")),
    AVG_FWD("pooling_avg_fwd", true, buffer("y"), buffer("x")),
    AVG_BWD("pooling_avg_bwd", true, buffer("dx"), buffer("dy")),
    GLOBAL_AVG_FWD("pooling_global_avg_fwd", false, buffer("y"), buffer("x"), i32("HW"), i32("planes")),
    GLOBAL_AVG_BWD("pooling_global_avg_bwd", false, buffer("dx"), buffer("dy"), i32("HW"), i32("planes")),
    GLOBAL_AVG_FWD_GROUP("pooling_global_avg_fwd_group", false, buffer("y"), buffer("x"), i32("HW"),
            i32("planes"));

    public static final String FILE = "pooling.cl";
    private final KernelBinding binding;

    PoolingKernel(String name, boolean poolDims, Param... params) {
        List<Param> all = new ArrayList<>(Arrays.asList(params));
        if (poolDims) {
            for (String d : new String[] {"H", "W", "P", "Q", "kh", "kw", "sh", "sw", "ph", "pw", "planes"}) {
                all.add(i32(d));
            }
        }
        this.binding = new KernelBinding(FILE, name, all);
    }

    public KernelBinding binding() {
        return binding;
    }

    /** Every kernel of pooling.cl, in source order. */
    public static List<KernelBinding> bindings() {
        return Arrays.stream(values()).map(PoolingKernel::binding).toList();
    }
}
