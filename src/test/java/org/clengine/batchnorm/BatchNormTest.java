package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every batch norm variant on the OpenCL backend against the reference, over many shapes, fresh data each run. */
class BatchNormTest {
    /** 1s, primes, sizes no chunk or span divides, N=1 with H·W>1, H·W=1 with N>1, C=1, C=2048, 2-D and 3-D. */
    static final List<String> SHAPES = List.of(
            "mb2ic1", "mb2ic3", "mb7ic13", "mb97ic5", "mb128ic2048", "mb3ic5iw11", "mb2ic7iw1",
            "mb1ic1ih1iw2", "mb2ic1ih1iw1", "mb1ic3ih5iw7", "mb1ic1ih17iw19", "mb5ic7ih3iw3", "mb16ic64ih7iw7",
            "mb1ic2048ih2iw2", "mb13ic17ih11iw13", "mb2ic3ih31iw37", "mb4ic32ih28iw28", "mb1ic1ih256iw257",
            "mb32ic16ih1iw1", "mb3ic2ih100iw97", "mb64ic4ih16iw17", "mb1ic1ih200iw200", "mb8ic3ih61iw67",
            "mb2ic256ih14iw14", "mb4ic512ih7iw7", "mb1ic5ih1iw16", "mb3ic3ih4iw4", "mb17ic19ih2iw3",
            "mb2ic2ih113iw127", "mb6ic1000", "mb1ic7ih3iw1", "mb11ic2ih9iw9");

    @TestFactory
    List<DynamicTest> everyVariantMatchesTheReference() {
        BatchNormOps device = TestBackends.openCl().batchNorm();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (String d : SHAPES) {
            for (BatchNormVariant v : BatchNormVariant.values()) {
                tests.add(dynamicTest(d + " " + v.label() + " seed=" + seed,
                        () -> check(device, BatchNormShape.parse(d), v, seed, "")));
            }
        }
        return tests;
    }

    /**
     * Tiny chunks, spans, rows and odd local sizes, each path forced on every shape: every row-crossing, partial-block
     * and tail branch of the kernels runs.
     */
    @TestFactory
    List<DynamicTest> oddGeometryMatchesTheReference() {
        BatchNormPolicy base = TestBackends.policy().batchNorm();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (int path = 0; path < 3; path++) {
            boolean positions = path > 0;
            int blocks = path == 2 ? 3 : 1;
            BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3).withPositionsPath(positions)
                    .withPosBlocks(blocks);
            String how = (positions ? " positions path, " + blocks + " blocks a work-item" : " row path")
                    + ", chunk 37, span 29, rows 3, local 3/5";
            BatchNormOps device = new BatchNormOpenCl(TestBackends.device(), base.withFixed(odd));
            for (String d : List.of("mb3ic5ih7iw9", "mb13ic3", "mb2ic2ih41iw43", "mb5ic4iw29", "mb7ic37",
                    "mb9ic2ih3iw3")) {
                for (BatchNormVariant v : BatchNormVariant.values()) {
                    tests.add(dynamicTest(d + " " + v.label() + how + " seed=" + seed,
                            () -> check(device, BatchNormShape.parse(d), v, seed, how)));
                }
            }
        }
        return tests;
    }

    static void check(BatchNormOps device, BatchNormShape s, BatchNormVariant v, long seed, String how) {
        List<Comparison> result = BatchNormVerifier.run(device, TestBackends.REFERENCE.batchNorm(), s, v, seed);
        boolean ok = result.stream().allMatch(Comparison::passed);
        assertTrue(ok, () -> s + " " + v.label() + how + " (reproduce with -Dclengine.seed=" + seed + "):\n"
                + result.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
    }
}
