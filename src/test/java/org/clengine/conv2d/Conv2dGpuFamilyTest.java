package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpFamily;
import org.clengine.backend.OpenClBackend;
import org.clengine.device.Device;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelFamily;
import org.clengine.matmul.MatmulKernel;
import org.clengine.testing.TestBackends;
import org.clengine.verify.OpVerification;
import org.junit.jupiter.api.Test;

/**
 * With the GPU family's policy, convolution's forward, backward-data and backward-weights (and the conv → BN
 * statistics fusion the verification runs) take the GPU GEMM, matmul_tiled, on GEMM-shaped layers, never the packed
 * CPU kernels, and backward-weights never the dot kernel, which keeps 256 live floats per work-item; every row
 * still matches the reference.
 */
class Conv2dGpuFamilyTest {
    /** P·Q of 400 and 1024: past the CPU family's dotMinPq (256), where the CPU family takes the dot kernel. */
    static final List<String> SHAPES = List.of("mb2ic8ih20iw20oc16kh3kw3ph1", "mb3ic16ih32iw32oc8kh1kw1",
            "g2mb2ic8ih17iw19oc12kh3kw3sh2ph1");

    @Test
    void gpuFamilyConvolvesThroughTheTiledGemm() {
        long seed = TestBackends.seed();
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        Device shared = TestBackends.device();
        OpFamily<?> conv = OpFamily.ALL.stream().filter(f -> f.stem().equals("conv2d")).findFirst().orElseThrow();
        try (Device device = Device.open(shared.info(), shared.programs().directory(),
                (kernel, options) -> launched.add(kernel))) {
            OpenClBackend gpu = new OpenClBackend(device, LaunchPolicy.defaults(KernelFamily.GPU, device.info()));
            for (String d : SHAPES) {
                for (OpVerification.Row row : conv.verify(gpu, TestBackends.REFERENCE, d, seed)) {
                    assertTrue(row.comparison().passed(), d + " " + row.variant() + " (seed " + seed + "): "
                            + row.comparison());
                }
            }
        }
        assertTrue(launched.contains(MatmulKernel.TILED.binding), "matmul_tiled never ran: " + names(launched));
        for (KernelBinding k : List.of(Conv2dKernel.BWD_WEIGHTS_DOT.binding(), MatmulKernel.PACKED.binding,
                MatmulKernel.PACK_A.binding, MatmulKernel.PACK_B.binding)) {
            assertFalse(launched.contains(k), k.name() + " ran under the GPU family: " + names(launched));
        }
    }

    private static List<String> names(Set<KernelBinding> launched) {
        return launched.stream().map(KernelBinding::name).sorted().toList();
    }
}
