package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The GPU family's depthwise forward (conv2d_fwd_depthwise_tile, a work-group per output tile) on any device, forced
 * onto the row kernels' path: against the reference on awkward shapes, and the same bits for every tile size.
 */
class Conv2dDepthwiseTileTest {
    /** Odd tiles that cut rows and columns anywhere, and the GPU default. */
    private static final List<Conv2dDepthwise> TILES = List.of(new Conv2dDepthwise(Conv2dDepthwise.Walk.TILES, 2,
            3, 4096), new Conv2dDepthwise(Conv2dDepthwise.Walk.TILES, 3, 5, 4096), Conv2dDepthwise.TILES);

    /**
     * Grouped and depthwise layers, strides, dilations, uneven padding, 1×N and N×1 filters, rows and columns that
     * no tile divides, one image and several: a selection of {@link Conv2dTest}'s shapes, which runs the row kernels
     * of the device's own family on every shape.
     */
    static final List<String> SHAPES = List.of("mb1ic1ih1oc1kh1", "mb1ic1ih5oc1kh5", "mb2ic3ih7oc4kh3ph1",
            "mb3ic5ih11oc7kh3sh2", "mb2ic4ih9oc4kh2sh3", "mb2ic2ih9iw12oc2kh2kw3dh1dw2", "g8mb2ic8ih9oc8kh3ph1",
            "g16mb1ic16ih6oc32kh3sh2ph1", "mb2ic3ih8oc4kh3ph1pb0pw2pr0", "mb1ic5ih31iw29oc3kh5sh2ph2",
            "g2mb1ic6ih11oc4kh3sh2dh1ph2", "mb1ic2ih1iw9oc2kh1kw3pw1", "g32mb1ic32ih9oc32kh3ph1sh2",
            "mb1ic8ih5iw3oc3kh3kw1ph1", "g2mb3ic4ih11oc6kh3sh3ph1", "g16mb2ic16ih37iw70oc16kh3ph1");

    /** The tile kernel on every shape and op against the reference (backward-data runs through it too). */
    @TestFactory
    List<DynamicTest> tilesMatchTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        Conv2dOps device = ops(Conv2dDepthwise.TILES);
        for (String d : SHAPES) {
            for (Conv2dVerifier.Variant v : Conv2dVerifier.Variant.values()) {
                String name = d + " " + v.label();
                tests.add(dynamicTest(name + " seed=" + seed, () -> {
                    List<Comparison> r = Conv2dVerifier.run(device, TestBackends.REFERENCE.conv2d(),
                            Conv2dShape.parse(d), v, seed);
                    assertTrue(r.stream().allMatch(Comparison::passed), () -> name + " (reproduce with "
                            + "-Dclengine.seed=" + seed + "):\n"
                            + r.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
                }));
            }
        }
        return tests;
    }

    /** Each output sums its taps in one order whatever the tile: 2×3, 3×5 and 8×32 tiles give the same bits. */
    @Test
    void tileSizeDoesNotChangeResults() {
        long seed = TestBackends.seed();
        Conv2dOps base = ops(TILES.get(2));
        for (Conv2dDepthwise tile : TILES) {
            Conv2dOps other = ops(tile);
            for (String d : List.of("g8mb2ic8ih9oc8kh3ph1", "g32mb1ic32ih9oc32kh3ph1sh2", "mb1ic5ih31iw29oc3kh5sh2ph2",
                    "g16mb1ic16ih19iw35oc16kh3ph1")) {
                for (Conv2dVerifier.Variant v : Conv2dVerifier.Variant.values()) {
                    for (Comparison c : Conv2dVerifier.run(other, base, Conv2dShape.parse(d), v, seed)) {
                        assertEquals(0.0, c.maxAbs(), d + " " + v.label() + " tile " + tile.tileP() + "×"
                                + tile.tileQ() + ": " + c);
                    }
                }
            }
        }
    }

    /** The row kernels forced (depthwise path), walking {@code walk}. */
    private static Conv2dOps ops(Conv2dDepthwise walk) {
        var policy = TestBackends.policy();
        return TestBackends.openCl(policy.withConv2d(policy.conv2d().withPath(Conv2dPath.DEPTHWISE)
                .withDepthwise(walk))).conv2d();
    }
}
