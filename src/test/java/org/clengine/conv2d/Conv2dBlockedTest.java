package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.device.KernelBinding;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/**
 * The channel-blocked direct kernel (conv2d_blocked.cl) forced: that it runs where forced, and that each output is
 * summed in one order whatever the register tile and local size (the same bits; reruns too), and that a NaN beside
 * the padding stays out of the edge tiles' outputs. {@link Conv2dTest} compares it with the reference on all its
 * shapes and checks NaN propagation, as for every path.
 */
class Conv2dBlockedTest {
    /**
     * Tiles that divide no row (1, 3, 5 outputs; 16 to 48 channels) and the widest, each with a local size; two of
     * them run several tiles per work-item over channel blocks that divide neither the tiles of a row nor C (2 tiles
     * × 3 channels, 3 × 5).
     */
    private static final List<Conv2dBlocked> TILES = List.of(new Conv2dBlocked(1, 1, true),
            new Conv2dBlocked(3, 1, true, 2, 3), new Conv2dBlocked(5, 3, true, 3, 5), new Conv2dBlocked(16, 1, true));
    private static final int[] LOCAL = {64, 7, 1, 64};

    /**
     * Rows and channel counts no tile divides, primes, stride 2, uneven padding, dilation, 1×1, 7×7 at stride 2,
     * one channel, a 1×1 image, more channels than one block.
     */
    private static final List<String> SHAPES = List.of("mb1ic17ih13iw11oc37kh3ph1", "mb3ic5ih11oc7kh3sh2",
            "mb2ic8ih9iw10oc33kh3sh2ph1pb2", "mb1ic3ih15oc2kh3ph2dh2", "mb2ic16ih9oc48kh1", "mb1ic3ih23oc8kh7sh2ph3",
            "mb1ic1ih1oc1kh1", "mb1ic70ih6oc67kh3ph1");

    /**
     * Every tile and local size gives the bits of the default tile, for the forward and for backward-data, in fp32
     * and in 16 bits (stride 2, uneven padding, K past one block).
     */
    @Test
    void tileAndLocalSizeDoNotChangeResults() {
        long seed = TestBackends.seed();
        Conv2dOps base = ops(Conv2dPolicy.defaults(TestBackends.policy().family(), null).blocked(), 64);
        for (int i = 0; i < TILES.size(); i++) {
            Conv2dBlocked tile = TILES.get(i);
            int local = LOCAL[i];
            Conv2dOps other = ops(tile, local);
            // fp32, and one 16-bit dtype per tile on two of the shapes (each tile, dtype and filter is a build of
            // its own): the widening loads must not change the order of the sums
            for (DType t : List.of(DType.F32, i % 2 == 0 ? DType.BF16 : DType.F16)) {
                for (String d : t == DType.F32 ? SHAPES : SHAPES.subList(1, 3)) {
                    for (Conv2dVerifier.Variant v : List.of(Conv2dVerifier.Variant.FWD_BIAS_RELU,
                            Conv2dVerifier.Variant.BWD_DATA)) {
                        for (Comparison c : Conv2dVerifier.run(other, base, Conv2dShape.parse(d), v, t, seed)) {
                            assertEquals(0.0, c.maxAbs(), () -> d + " " + v.label() + " " + t + " " + tile
                                    + " local " + local + " seed " + seed + ": " + c);
                        }
                    }
                }
            }
        }
    }

    /** The tile's arguments are checked: rowTiles only with a channel block, each in range. */
    @Test
    void tileArgumentsAreChecked() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Conv2dBlocked(4, 4, true, 2, 0));
        assertEquals("rowTiles must be 1 without a channelBlock, got 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2dBlocked(4, 4, true, 17, 8));
        assertEquals("rowTiles must be in [1, 16], got 17", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2dBlocked(4, 4, true, 1, -1));
        assertEquals("channelBlock must be >= 0, got -1", e.getMessage());
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

    /**
     * Edge tiles read a clamped column and select 0 for the padding: a NaN in a row's first or last column must not
     * reach an output whose taps only pass beside it (dilation 2 with padding 1; padding 3 wider than the filter),
     * nor be lost. Every row's edge columns hold NaN; the NaN pattern must be the reference's, forward and
     * backward-data.
     */
    @Test
    void nanBesideThePaddingStaysOut() {
        long seed = TestBackends.seed();
        Conv2dOps blocked = ops(new Conv2dBlocked(4, 4, true), 64);
        for (String d : List.of("mb1ic3ih9oc16kh3ph1dh1", "mb1ic2ih7oc16kh3ph3", "mb2ic5ih6iw9oc20kh3sh2ph2")) {
            Conv2dShape s = Conv2dShape.parse(d);
            for (boolean forward : new boolean[] {true, false}) {
                int[] in = forward ? s.xDims() : s.yDims(), out = forward ? s.yDims() : s.xDims();
                float[] a = new RandomFill(seed).normal(Tensor.elementCount(in));
                float[] w = new RandomFill(seed + 1).normal(Tensor.elementCount(s.wDims()));
                for (int i = 0; i < a.length; i++) {
                    if (i % in[3] == 0 || i % in[3] == in[3] - 1) a[i] = Float.NaN;
                }
                float[] want = run(TestBackends.REFERENCE.conv2d(), s, forward, a, w, in, out);
                float[] got = run(blocked, s, forward, a, w, in, out);
                for (int i = 0; i < want.length; i++) {
                    int e = i;
                    assertEquals(Float.isNaN(want[i]), Float.isNaN(got[i]), () -> d + (forward ? " forward" : " "
                            + "backward-data") + " element " + e + ": " + got[e] + ", the reference's " + want[e]
                            + " (seed " + seed + ")");
                }
            }
        }
    }

    private static float[] run(Conv2dOps ops, Conv2dShape s, boolean forward, float[] in, float[] w, int[] inDims,
            int[] outDims) {
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor a = scope.tensor(in, inDims), wt = scope.tensor(w, s.wDims());
            Tensor out = scope.full(Float.NaN, outDims);
            if (forward) ops.forward(out, a, wt, s.params());
            else ops.backwardData(out, a, wt, s.params());
            return out.toArray();
        }
    }

    /** The blocked kernel forced with {@code tile}, local size {@code local}. */
    private static Conv2dOps ops(Conv2dBlocked tile, int local) {
        var policy = TestBackends.policy();
        return TestBackends.openCl(policy.withConv2d(policy.conv2d().withPath(Conv2dPath.BLOCKED).withBlocked(tile)
                .withLocalSize(local))).conv2d();
    }
}
