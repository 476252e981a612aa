package org.clengine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpFamily;
import org.clengine.backend.OpenClBackend;
import org.clengine.device.Ceilings;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelBinding;
import org.clengine.device.KernelFamily;
import org.clengine.testing.TestBackends;
import org.clengine.verify.OpVerification;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kernel is launched by the op family that binds it: each family runs its coverage shapes on a device of its
 * own whose launch listener records what was enqueued, with the device's own policy and with the other kernel
 * family's defaults (so the GPU variants are launched on a CPU device too), and must have launched every kernel of
 * its bindings, each row passing. A kernel that only another family launches does not count. kernels/ holds exactly
 * the files the bindings name.
 */
class KernelCoverageTest {

    @TestFactory
    Stream<DynamicTest> everyFamilyLaunchesEveryKernelItBinds() {
        TestBackends.openCl();
        long seed = TestBackends.seed();
        return OpFamily.ALL.stream().map(f -> DynamicTest.dynamicTest(f.stem() + " seed " + seed,
                () -> launchesEveryKernel(f, seed)));
    }

    private static void launchesEveryKernel(OpFamily<?> family, long seed) {
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        try (Device device = open(launched)) {
            for (LaunchPolicy policy : policies(device)) {
                OpenClBackend backend = new OpenClBackend(device, policy);
                for (String d : family.description().verification().coverageShapes()) {
                    for (OpVerification.Row row : family.verify(backend, TestBackends.REFERENCE, d, seed)) {
                        assertTrue(row.comparison().passed(), family.stem() + " (" + policy.family().label()
                                + " kernels, seed " + seed + "): " + row.descriptor() + " " + row.variant() + " "
                                + row.comparison());
                    }
                }
            }
        }
        Set<String> missed = family.description().kernels().stream().filter(k -> !launched.contains(k))
                .map(KernelBinding::name).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(missed.isEmpty(), family.stem() + "'s coverage shapes launch none of " + missed + " (seed " + seed
                + "); add a shape that does to its verification's coverageShapes()");
    }

    /**
     * The device's own policy (what users get, stored tunings included) and the other kernel families' defaults.
     */
    static List<LaunchPolicy> policies(Device device) {
        DeviceInfo info = device.info();
        LaunchPolicy own = LaunchPolicy.forDevice(device);
        List<LaunchPolicy> all = new ArrayList<>(List.of(own));
        for (KernelFamily f : KernelFamily.values()) {
            if (f != own.family()) all.add(LaunchPolicy.defaults(f, info));
        }
        return all;
    }

    @Test
    void theComputeCeilingLaunchesPeakFma() {
        TestBackends.openCl();
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        try (Device device = open(launched); DeviceBuffer out = device.allocate(Float.BYTES * 64L)) {
            Ceilings.launch(device, out, new Ceilings.FmaLaunch(64, 1), 1);
            device.finish();
        }
        assertEquals(Set.of(Ceilings.PEAK_FMA), launched);
    }

    /**
     * A forced kernel family (./clengine gpu-family sets CLENGINE_KERNELS=gpu and -Dclengine.kernels=gpu) reaches
     * the policy every test's backend starts from: else that run would test the device's own family twice.
     */
    @Test
    void theForcedFamilyIsTheTestsFamily() {
        String forced = System.getProperty(KernelFamily.PROPERTY, System.getenv(KernelFamily.ENVIRONMENT));
        KernelFamily expected = forced == null || forced.isBlank() ? KernelFamily.own(TestBackends.device().info())
                : KernelFamily.parse(forced);
        assertEquals(expected, TestBackends.policy().family(), "the tests' policy is not the forced family's "
                + "(CLENGINE_KERNELS / -D" + KernelFamily.PROPERTY + " = " + forced + ")");
    }

    @Test
    void kernelsHoldsExactlyTheBoundFiles() throws IOException {
        Set<String> bound = new TreeSet<>();
        for (OpFamily<?> f : OpFamily.ALL) bound.addAll(f.description().kernelFiles());
        bound.add(Ceilings.PEAK_FMA.file());
        Set<String> present;
        try (Stream<Path> s = Files.list(KernelSignatureTest.KERNELS)) {
            present = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cl"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(bound, present, "kernels/ must hold exactly the files the kernel bindings name");
    }

    /** A fresh device on the test device, sharing its program cache, that records every kernel it launches. */
    private static Device open(Set<KernelBinding> launched) {
        Device shared = TestBackends.device();
        return Device.open(shared.info(), shared.programs().directory(), (kernel, options) -> launched.add(kernel));
    }
}
