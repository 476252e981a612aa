package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpenClBackend;
import org.clengine.device.Device;
import org.clengine.device.KernelBinding;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.junit.jupiter.api.Test;

/**
 * The channel-blocked direct kernel (conv2d_blocked.cl) forced: that it runs where forced, and that each output is
 * summed in one order whatever the register tile and local size (the same bits; reruns too). {@link Conv2dTest}
 * compares it with the reference on all its shapes and checks NaN propagation, as for every path.
 */
class Conv2dBlockedTest {
    /** Tiles that divide no row (1, 3, 5 outputs; 16 to 48 channels) and the widest, each with a local size. */
    private static final List<Conv2dBlocked> TILES = List.of(new Conv2dBlocked(1, 1, true),
            new Conv2dBlocked(3, 1, true), new Conv2dBlocked(5, 3, true), new Conv2dBlocked(16, 1, true));
    private static final int[] LOCAL = {64, 7, 1, 64};

    /**
     * Rows and channel counts no tile divides, primes, stride 2, uneven padding, dilation, 1×1, 7×7 at stride 2,
     * one channel, a 1×1 image, more channels than one block.
     */
    private static final List<String> SHAPES = List.of("mb1ic17ih13iw11oc37kh3ph1", "mb3ic5ih11oc7kh3sh2",
            "mb2ic8ih9iw10oc33kh3sh2ph1pb2", "mb1ic3ih15oc2kh3ph2dh2", "mb2ic16ih9oc48kh1", "mb1ic3ih23oc8kh7sh2ph3",
            "mb1ic1ih1oc1kh1", "mb1ic70ih6oc67kh3ph1");

    /** Every tile and local size gives the bits of the default tile, for the forward and for backward-data. */
    @Test
    void tileAndLocalSizeDoNotChangeResults() {
        long seed = TestBackends.seed();
        Conv2dOps base = ops(Conv2dPolicy.defaults(TestBackends.policy().family(), null).blocked(), 64);
        for (int i = 0; i < TILES.size(); i++) {
            Conv2dBlocked tile = TILES.get(i);
            int local = LOCAL[i];
            Conv2dOps other = ops(tile, local);
            for (String d : SHAPES) {
                for (Conv2dVerifier.Variant v : List.of(Conv2dVerifier.Variant.FWD_BIAS_RELU,
                        Conv2dVerifier.Variant.BWD_DATA)) {
                    for (Comparison c : Conv2dVerifier.run(other, base, Conv2dShape.parse(d), v, seed)) {
                        assertEquals(0.0, c.maxAbs(), () -> d + " " + v.label() + " tile " + tile.tileQ() + "×"
                                + tile.channels() + " local " + local + " seed " + seed + ": " + c);
                    }
                }
            }
        }
    }

    /** A rerun on the same ops gives the same bits. */
    @Test
    void rerunsGiveTheSameBits() {
        long seed = TestBackends.seed();
        Conv2dOps ops = ops(new Conv2dBlocked(7, 2, true), 64);
        for (String d : SHAPES) {
            for (Conv2dVerifier.Variant v : List.of(Conv2dVerifier.Variant.FWD, Conv2dVerifier.Variant.BWD_DATA)) {
                for (Comparison c : Conv2dVerifier.run(ops, ops, Conv2dShape.parse(d), v, seed)) {
                    assertEquals(0.0, c.maxAbs(), () -> d + " " + v.label() + " seed " + seed + ": " + c);
                }
            }
        }
    }

    /** Forced, the forward and the stride-1 and strided backward-data launch the blocked kernel. */
    @Test
    void forcedPathLaunchesTheBlockedKernel() {
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        Device shared = TestBackends.device();
        try (Device device = Device.open(shared.info(), shared.programs().directory(),
                (kernel, options) -> launched.add(kernel))) {
            LaunchPolicy p = TestBackends.policy();
            OpenClBackend b = new OpenClBackend(device, p.withConv2d(p.conv2d().withPath(Conv2dPath.BLOCKED)));
            for (String d : List.of("mb1ic8ih9oc16kh3ph1", "mb1ic8ih9oc16kh3sh2ph1")) {
                for (Conv2dVerifier.Variant v : List.of(Conv2dVerifier.Variant.FWD,
                        Conv2dVerifier.Variant.BWD_DATA)) {
                    launched.clear();
                    List<Comparison> r = Conv2dVerifier.run(b.conv2d(), TestBackends.REFERENCE.conv2d(),
                            Conv2dShape.parse(d), v, 1);
                    assertTrue(r.stream().allMatch(Comparison::passed), () -> d + " " + v.label() + ": " + r);
                    assertTrue(launched.contains(Conv2dKernel.FWD_BLOCKED.binding()), d + " " + v.label()
                            + " did not launch conv2d_fwd_blocked: " + launched);
                }
            }
        }
    }

    /** The blocked kernel forced with {@code tile}, local size {@code local}. */
    private static Conv2dOps ops(Conv2dBlocked tile, int local) {
        var policy = TestBackends.policy();
        return TestBackends.openCl(policy.withConv2d(policy.conv2d().withPath(Conv2dPath.BLOCKED).withBlocked(tile)
                .withLocalSize(local))).conv2d();
    }
}
