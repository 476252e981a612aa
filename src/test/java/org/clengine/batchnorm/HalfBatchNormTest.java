package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.core.DType;
import org.clengine.device.KernelFamily;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Batch norm with F16 and BF16 activations (issue 15) against the reference on the same rounded inputs: every
 * variant (modes, fusions, frozen, skip) on the usual shapes, each path of both kernel families with the default
 * and odd geometry, and bitwise identical reruns. Statistics stay F32 and are held to the fp32 tolerances.
 */
class HalfBatchNormTest {
    private static final List<DType> HALF = List.of(DType.F16, DType.BF16);

    /** 1s, primes, no chunk or span divides them, N×C and NCHW, large C: a subset of BatchNormTest's. */
    static final List<String> SHAPES = List.of("mb2ic1", "mb97ic5", "mb128ic2048", "mb1ic1ih1iw2", "mb1ic3ih5iw7",
            "mb13ic17ih11iw13", "mb4ic32ih28iw28", "mb3ic2ih100iw97");

    @TestFactory
    List<DynamicTest> everyVariantMatchesTheReference() {
        BatchNormOps device = TestBackends.openCl().batchNorm();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (DType act : HALF) {
            for (String d : SHAPES) {
                for (BatchNormVariant v : BatchNormVariant.values()) {
                    tests.add(dynamicTest(act + " " + d + " " + v.label() + " seed=" + seed,
                            () -> check(device, BatchNormShape.parse(d), v, seed, act, "")));
                }
            }
        }
        return tests;
    }

    /** Each path forced, CPU and GPU families, with odd chunks, spans, rows and local sizes. */
    @TestFactory
    List<DynamicTest> everyPathOfBothFamilies() {
        long seed = TestBackends.seed();
        BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3);
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelFamily family : KernelFamily.values()) {
            BatchNormPolicy base = BatchNormPolicy.defaults(family, TestBackends.device().info());
            List<BatchNormPolicy> policies = List.of(base.withPositionsBelow(0),
                    base.withPositionsBelow(Integer.MAX_VALUE), base.withFixed(odd.withPositionsPath(false)),
                    base.withFixed(odd.withPositionsPath(true).withPosBlocks(3)));
            for (BatchNormPolicy p : policies) {
                BatchNormOps device = new BatchNormOpenCl(TestBackends.device(), p);
                for (DType act : HALF) {
                    for (String d : List.of("mb3ic5ih7iw9", "mb70ic33")) {
                        for (BatchNormVariant v : BatchNormVariant.values()) {
                            String how = " " + family + " " + p.label();
                            tests.add(dynamicTest(act + " " + d + " " + v.label() + how + " seed=" + seed,
                                    () -> check(device, BatchNormShape.parse(d), v, seed, act, how)));
                        }
                    }
                }
            }
        }
        return tests;
    }

    /** Ghost batch norm and batch renormalization (their own kernels, built with the same -DACT switch). */
    @TestFactory
    List<DynamicTest> ghostAndRenormMatchTheReference() {
        long seed = TestBackends.seed();
        BatchNormOps device = TestBackends.openCl().batchNorm();
        List<DynamicTest> tests = new ArrayList<>();
        for (DType act : HALF) {
            for (GhostRenormTest.Case c : List.of(new GhostRenormTest.Case("mb6ic5ih7iw9", 2),
                    new GhostRenormTest.Case("mb12ic37", 4))) {
                for (GhostRenormVariant v : GhostRenormVariant.values()) {
                    tests.add(dynamicTest(act + " " + c.shape() + " " + v.label() + " vb" + c.virtualBatch()
                            + " seed=" + seed, () -> {
                                List<Comparison> result = GhostRenormVerifier.run(device,
                                        TestBackends.REFERENCE.batchNorm(), BatchNormShape.parse(c.shape()), v,
                                        c.virtualBatch(), seed, act);
                                assertTrue(result.stream().allMatch(Comparison::passed), () -> act + " " + c + " "
                                        + v.label() + " seed " + seed + ":\n" + result.stream()
                                                .map(Comparison::toString).collect(Collectors.joining("\n")));
                            }));
                }
            }
        }
        return tests;
    }

    /** Two runs on the same inputs give the same bits, every output, on both paths. */
    @TestFactory
    List<DynamicTest> rerunsAreBitwiseIdentical() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (DType act : HALF) {
            for (String d : List.of("mb8ic3ih61iw67", "mb300ic40")) {
                tests.add(dynamicTest(act + " " + d + " seed=" + seed, () -> {
                    BatchNormShape s = BatchNormShape.parse(d);
                    BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed).rounded(act);
                    BatchNormOps device = TestBackends.openCl().batchNorm();
                    for (BatchNormVariant v : BatchNormVariant.values()) {
                        Map<String, float[]> first = BatchNormVerifier.outputs(device, in, v, act);
                        Map<String, float[]> second = BatchNormVerifier.outputs(device, in, v, act);
                        for (String k : first.keySet()) {
                            assertArrayEquals(first.get(k), second.get(k), act + " " + d + " " + v.label() + " " + k
                                    + " differs between two runs (seed " + seed + ")");
                        }
                    }
                }));
            }
        }
        return tests;
    }

    static void check(BatchNormOps device, BatchNormShape s, BatchNormVariant v, long seed, DType act, String how) {
        List<Comparison> result = BatchNormVerifier.run(device, TestBackends.REFERENCE.batchNorm(), s, v, seed, act);
        boolean ok = result.stream().allMatch(Comparison::passed);
        assertTrue(ok, () -> act + " " + s + " " + v.label() + how + " (reproduce with -Dclengine.seed=" + seed
                + "):\n" + result.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
    }
}
