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

/**
 * Every ghost batch norm and batch renormalization case on the OpenCL backend against the reference, over many
 * shapes and virtual batches (1, primes, the whole batch, H·W = 1), fresh data each run; and under an odd geometry
 * (chunks and spans that cut rows and virtual batches anywhere, odd local sizes).
 */
class GhostRenormTest {
    /** Shape and virtual batch. */
    record Case(String shape, int virtualBatch) {
    }

    static final List<Case> CASES = List.of(new Case("mb2ic3", 2), new Case("mb8ic5", 2), new Case("mb12ic7", 3),
            new Case("mb128ic64", 4), new Case("mb6ic3iw11", 1), new Case("mb1ic1ih1iw2", 1),
            new Case("mb4ic3ih5iw7", 2), new Case("mb9ic2ih3iw3", 3), new Case("mb10ic17ih11iw13", 5),
            new Case("mb16ic64ih7iw7", 4), new Case("mb8ic4ih28iw28", 8), new Case("mb6ic2ih31iw37", 3),
            new Case("mb14ic1ih17iw19", 7), new Case("mb4ic2048ih2iw2", 2), new Case("mb32ic16ih1iw1", 4),
            new Case("mb7ic13", 7), new Case("mb3ic2ih100iw97", 1));

    @TestFactory
    List<DynamicTest> everyCaseMatchesTheReference() {
        return tests(TestBackends.openCl().batchNorm(), CASES, "");
    }

    @TestFactory
    List<DynamicTest> oddGeometryMatchesTheReference() {
        BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3);
        BatchNormOps device = new BatchNormOpenCl(TestBackends.device(),
                TestBackends.policy().batchNorm().withFixed(odd));
        return tests(device, List.of(new Case("mb6ic5ih7iw9", 2), new Case("mb13ic3", 13),
                new Case("mb4ic2ih41iw43", 2), new Case("mb10ic4iw29", 5), new Case("mb12ic37", 4)),
                ", chunk 37, span 29, local 3/5");
    }

    private static List<DynamicTest> tests(BatchNormOps device, List<Case> cases, String how) {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            for (GhostRenormVariant v : GhostRenormVariant.values()) {
                tests.add(dynamicTest(c.shape() + " " + v.label() + " vb" + c.virtualBatch() + how + " seed=" + seed,
                        () -> check(device, c, v, seed, how)));
            }
        }
        return tests;
    }

    static void check(BatchNormOps device, Case c, GhostRenormVariant v, long seed, String how) {
        BatchNormShape s = BatchNormShape.parse(c.shape());
        List<Comparison> result = GhostRenormVerifier.run(device, TestBackends.REFERENCE.batchNorm(), s, v,
                c.virtualBatch(), seed);
        boolean ok = result.stream().allMatch(Comparison::passed);
        assertTrue(ok, () -> s + " " + v.label() + " vb" + c.virtualBatch() + how + " (reproduce with "
                + "-Dclengine.seed=" + seed + "):\n"
                + result.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
    }
}
