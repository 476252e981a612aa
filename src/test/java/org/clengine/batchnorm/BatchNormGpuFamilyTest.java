package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.device.Device;
import org.clengine.device.KernelFamily;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU family's work-group tree reductions (kernels/batchnorm_gpu.cl) whatever family the run forces: against
 * the reference on both paths with the GPU defaults and with odd geometry, and bitwise identical across local sizes
 * (the tree's shape is fixed by SLOTS, GPOS and RSLOTS, never by the local size), on a device whose listener shows
 * the GPU kernels did run.
 */
class BatchNormGpuFamilyTest {
    private static final List<String> GPU_KERNELS = BatchNormGpuKernel.bindings().stream()
            .map(org.clengine.device.KernelBinding::name).toList();

    private static BatchNormPolicy gpu() {
        return BatchNormPolicy.defaults(KernelFamily.GPU, TestBackends.device().info());
    }

    @TestFactory
    List<DynamicTest> gpuReductionsMatchTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        BatchNormTuning odd = new BatchNormTuning(37, 29, 3, 5, 0, 3, 3);
        List<BatchNormPolicy> policies = List.of(gpu(), gpu().withPositionsBelow(0),
                gpu().withPositionsBelow(Integer.MAX_VALUE), gpu().withFixed(odd.withPositionsPath(false)),
                gpu().withFixed(odd.withPositionsPath(true)));
        for (BatchNormPolicy p : policies) {
            BatchNormOps device = new BatchNormOpenCl(TestBackends.device(), p);
            for (String d : List.of("mb3ic5ih7iw9", "mb13ic37", "mb2ic2ih41iw43", "mb5ic4iw29", "mb9ic2ih3iw3",
                    "mb70ic33", "mb4ic3ih57iw61", "mb2ic1")) {
                for (BatchNormVariant v : BatchNormVariant.values()) {
                    tests.add(dynamicTest(d + " " + v.label() + " " + p.label() + " seed=" + seed,
                            () -> BatchNormTest.check(device, BatchNormShape.parse(d), v, seed, " " + p.label())));
                }
            }
        }
        return tests;
    }

    /** Local sizes 1 to 300 (cut to the device's limit), both paths, every variant: the same bits. */
    @ParameterizedTest
    @ValueSource(strings = {"mb5ic6ih33iw31", "mb300ic40", "mb64ic9ih2iw3", "mb3ic2ih40iw40"})
    void bitwiseIdenticalAcrossLocalSizes(String descriptor) {
        BatchNormShape s = BatchNormShape.parse(descriptor);
        BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, TestBackends.seed());
        Set<String> launched = ConcurrentHashMap.newKeySet();
        Device shared = TestBackends.device();
        int max = (int) Math.min(300, shared.info().maxWorkGroupSize());
        try (Device own = Device.open(shared.info(), shared.programs().directory(),
                (kernel, options) -> launched.add(kernel.name()))) {
            for (int below : new int[] {0, Integer.MAX_VALUE}) {
                BatchNormPolicy base = gpu().withPositionsBelow(below).withTarget(700);
                for (BatchNormVariant v : BatchNormVariant.values()) {
                    List<Map<String, float[]>> runs = new ArrayList<>();
                    for (int local : new int[] {1, 1, 3, 64, 256, max}) {
                        BatchNormPolicy p = base.withLocalReduce(Math.min(local, max))
                                .withLocalPositions(Math.min(local, max));
                        runs.add(BatchNormVerifier.outputs(new BatchNormOpenCl(own, p), in, v));
                    }
                    for (var run : runs.subList(1, runs.size())) {
                        for (String k : run.keySet()) {
                            assertArrayEquals(runs.get(0).get(k), run.get(k),
                                    descriptor + " " + v.label() + " " + k + " differs across local sizes");
                        }
                    }
                }
            }
        }
        assertTrue(launched.containsAll(GPU_KERNELS), "the GPU kernels did not all run: " + launched);
    }
}
