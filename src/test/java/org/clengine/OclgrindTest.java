package org.clengine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clengine.backend.LaunchPolicy;
import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.conv2d.Conv2dBlocked;
import org.clengine.conv2d.Conv2dDepthwise;
import org.clengine.conv2d.Conv2dPath;
import org.clengine.elementwise.ElementwisePolicy;
import org.clengine.backend.OpFamily;
import org.clengine.backend.OpenClBackend;
import org.clengine.device.Ceilings;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.device.DeviceInfo;
import org.clengine.device.DeviceManager;
import org.clengine.device.KernelBinding;
import org.clengine.device.LaunchListener;
import org.clengine.device.ProgramCache;
import org.clengine.testing.OclgrindLog;
import org.clengine.testing.TestBackends;
import org.clengine.verify.OpVerification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Every kernel of every family under Oclgrind's bounds and data-race checks (native-notes/oclgrind.md).
 * native-notes/oclgrind.sh runs this with Oclgrind (an OpenCL device simulator) as the only platform, its log in
 * {@code OCLGRIND_LOG}, and {@code -Dclengine.oclgrind.out=DIR} for what the test writes (summary.txt: time per family
 * and policy, launches per kernel; reports.log: every report); without that property the class is skipped.
 * Planted faults first (test resources' kernels/oclgrind_canary.cl): the checks must report them, or silence means
 * nothing. Then each family runs its verification's coverage shapes, as {@link KernelCoverageTest} does, under the
 * device's own policy, the other kernel family's defaults and the {@link #finest} policy, each shape on a fresh
 * device (scratch buffers sized for that shape alone, so an overrun past them is an invalid access and not a read
 * of a larger earlier scratch). A report after a shape fails that family, naming the shape, the policy and the
 * seed; so does a row that fails its comparison, and a kernel the family binds but never launched. Oclgrind's
 * uninitialised-value check stays off: it flags data written by clEnqueueFillBuffer and crashed the JVM here.
 */
@EnabledIfSystemProperty(named = OclgrindTest.OUT, matches = ".+")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OclgrindTest {
    static final String OUT = "clengine.oclgrind.out";
    private static final String CANARY = "oclgrind_canary.cl";
    private static final KernelBinding OOB_READ = KernelBinding.of(CANARY, "oclgrind_canary_oob_read",
            KernelBinding.buffer("y"), KernelBinding.buffer("x"), KernelBinding.i32("n"));
    private static final KernelBinding LOCAL_RACE = KernelBinding.of(CANARY, "oclgrind_canary_local_race",
            KernelBinding.buffer("y"));

    private static final long SEED = TestBackends.seed();
    private static final Map<String, LongAdder> LAUNCHES = new ConcurrentSkipListMap<>();
    private static final List<String> TIMES = new ArrayList<>();
    private static final List<String> CANARY_REPORTS = new ArrayList<>();
    private static DeviceInfo info;
    private static OclgrindLog log;

    @BeforeAll
    static void onOclgrindOnly() {
        info = DeviceManager.choose().device();
        assertTrue(info.platformName().contains("Oclgrind"), "-D" + OUT + " is set but the device is "
                + info.label() + ", not Oclgrind: run native-notes/oclgrind.sh, which makes it the only platform");
        String file = System.getenv("OCLGRIND_LOG");
        assertTrue(file != null && !file.isBlank(), "OCLGRIND_LOG is not set: Oclgrind's reports would go to stderr");
        log = new OclgrindLog(Path.of(file), out().resolve("reports.log"));
    }

    @Test
    @Order(1)
    void theChecksReportPlantedFaults() {
        try (Device device = open(LaunchListener.NONE); DeviceBuffer x = device.allocate(16 * Float.BYTES);
                DeviceBuffer y = device.allocate(16 * Float.BYTES)) {
            device.launch(OOB_READ, "", new long[] {16}, new long[] {16}, y, x, 16);
            device.finish();
        }
        expectReport(log.lastDevice(), "Invalid read", OOB_READ);
        try (Device device = open(LaunchListener.NONE); DeviceBuffer y = device.allocate(16 * Float.BYTES)) {
            device.launch(LOCAL_RACE, "", new long[] {16}, new long[] {16}, y);
            device.finish();
        }
        expectReport(log.lastDevice(), "data race", LOCAL_RACE);
    }

    private static void expectReport(String news, String what, KernelBinding kernel) {
        assertTrue(news.contains(what) && news.contains(kernel.name()), "Oclgrind did not report '" + what
                + "' in the planted fault " + kernel.name() + ": its checks are not on (OCLGRIND_* variables); it "
                + "wrote:\n" + news);
        CANARY_REPORTS.add(OclgrindLog.reports(news).size() + " × " + what + " in " + kernel.name());
    }

    @TestFactory
    @Order(2)
    Stream<DynamicTest> everyKernelOfEveryFamilyRunsClean() {
        return OpFamily.ALL.stream().map(f -> DynamicTest.dynamicTest(f.stem() + " seed " + SEED, () -> runClean(f)));
    }

    private static void runClean(OpFamily<?> family) {
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        for (Named policy : policies(family.stem())) {
            long start = System.nanoTime();
            List<String> shapes = family.description().verification().coverageShapes();
            for (String shape : shapes) runShape(family, policy, shape, launched);
            TIMES.add(String.format(Locale.ROOT, "  %-12s %-16s policy %2d shapes %6.1f s", family.stem(),
                    policy.name(), shapes.size(), (System.nanoTime() - start) / 1e9));
        }
        Set<String> missed = family.description().kernels().stream().filter(k -> !launched.contains(k))
                .map(KernelBinding::name).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(missed.isEmpty(), family.stem() + "'s coverage shapes launch none of " + missed + " (seed " + SEED
                + "); add a shape that does to its verification's coverageShapes()");
    }

    /** One shape on a fresh device; Oclgrind's reports are checked before the comparisons they may explain. */
    private static void runShape(OpFamily<?> family, Named policy, String shape, Set<KernelBinding> launched) {
        List<OpVerification.Row> rows;
        try (Device device = open(count(launched))) {
            rows = family.verify(new OpenClBackend(device, policy.policy()), TestBackends.REFERENCE, shape, SEED);
            device.finish();
        }
        String where = family.stem() + " " + shape + " (" + policy.name() + " policy, seed " + SEED + ")";
        String news = log.lastDevice();
        assertTrue(news.isBlank(), "Oclgrind reported " + OclgrindLog.reports(news).size() + " problem(s) in "
                + where + ":\n" + clip(news));
        for (OpVerification.Row row : rows) {
            assertTrue(row.comparison().passed(), where + ": " + row.variant() + " " + row.comparison());
        }
    }

    /**
     * The device's policy with every piece as small and as odd as it goes: reductions in chunks of one row or of 5
     * values cut across rows, convolutions one image per chunk, GEMM K blocks of 16 and a 3×4 register tile, spans
     * of 5 and 7, local sizes of 2 and 3. Small shapes then cross every chunk, block and tile boundary that large
     * ones cross under the defaults.
     */
    private static LaunchPolicy finest(LaunchPolicy p) {
        var bn = p.batchNorm();
        // target 1 value (chunks of one row), span 5, local sizes 3, 1 row per positions chunk, 3 blocks of 16
        // positions per apply item; rows of more than 32 values cut into chunks of 5
        var finestBn = new BatchNormPolicy(1, 5, 3, 3, 1, 3, 3, bn.positionsBelow(), bn.maxChunks(), 32, 5, null,
                bn.reduction());
        return new LaunchPolicy(p.family(), finestBn,
                p.conv2d().withColFloats(1).withDotFloats(1).withDotTile(3, 2).withLocalSize(3)
                        .withDepthwise(new Conv2dDepthwise(p.conv2d().depthwise().walk(), 3, 5, 4096)),
                p.matmul().withTile(3, 4, 1, 6, 8, 16).withPackK(16).withLocal(2).withPlainLocal(3, 2),
                p.pooling().withLocal(3), new ElementwisePolicy(7, 3, 5, 3), p.loss().withLocal(3),
                p.sgd().withSpan(7).withLocal(3));
    }

    /** A policy and what the summary and failure messages call it. */
    private record Named(String name, LaunchPolicy policy) {
    }

    /**
     * Those of {@link KernelCoverageTest} (the device's own, the other kernel families' defaults) and the finest;
     * for the two families whose verification runs only the path the policy picks, the finest with each path forced.
     */
    private static List<Named> policies(String stem) {
        List<Named> all = new ArrayList<>();
        try (Device device = open(LaunchListener.NONE)) {
            for (LaunchPolicy p : KernelCoverageTest.policies(device)) all.add(new Named(p.family().label(), p));
        }
        LaunchPolicy fine = finest(all.get(0).policy());
        all.add(new Named("finest", fine));
        if (stem.equals("conv2d")) {
            for (Conv2dPath path : List.of(Conv2dPath.DIRECT, Conv2dPath.GEMM, Conv2dPath.DEPTHWISE,
                    Conv2dPath.BLOCKED)) {
                all.add(new Named("finest " + path.name().toLowerCase(Locale.ROOT),
                        fine.withConv2d(fine.conv2d().withPath(path))));
            }
            // the blocked kernel with 2 tiles per work-item over blocks of 3 channels (partial sums kept between)
            all.add(new Named("finest blocked channel-blocks", fine.withConv2d(fine.conv2d().withPath(
                    Conv2dPath.BLOCKED).withBlocked(new Conv2dBlocked(3, 1, true, 2, 3)))));
        } else if (stem.equals("batchnorm")) {
            all.add(new Named("finest rows", fine.withBatchNorm(fine.batchNorm().withPositionsBelow(0))));
            all.add(new Named("finest positions",
                    fine.withBatchNorm(fine.batchNorm().withPositionsBelow(Integer.MAX_VALUE))));
            // the GPU family's work-group trees with groups of 3: items owning several slots, barriers in loops
            var tree = fine.batchNorm().withReduction(org.clengine.batchnorm.BatchNormReduction.GROUP_TREE);
            all.add(new Named("finest tree rows", fine.withBatchNorm(tree.withPositionsBelow(0))));
            all.add(new Named("finest tree positions", fine.withBatchNorm(tree.withPositionsBelow(Integer.MAX_VALUE))));
        }
        return all;
    }

    @Test
    @Order(3)
    void thePeakKernelRunsClean() {
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        int iters = 3;
        // the CPU geometry (groups of 1) and a GPU-like one (groups of 16)
        for (Ceilings.FmaLaunch l : List.of(new Ceilings.FmaLaunch(8, 1), new Ceilings.FmaLaunch(32, 16))) {
            float[] out = new float[(int) l.items()];
            try (Device device = open(count(launched)); DeviceBuffer b = device.allocate(out.length * Float.BYTES)) {
                Ceilings.launch(device, b, l, iters);
                device.read(b, out);
            }
            String news = log.lastDevice();
            assertTrue(news.isBlank(), "Oclgrind reported in peak_fma " + l + ":\n" + clip(news));
            for (int i = 0; i < out.length; i++) {
                assertEquals(Ceilings.expected(i, iters), out[i], "peak_fma item " + i + " of " + l);
            }
        }
        assertEquals(Set.of(Ceilings.PEAK_FMA), launched);
    }

    @AfterAll
    static void writeSummary() throws IOException {
        if (info == null) return;
        List<String> out = new ArrayList<>();
        out.add(info.driverVersion() + ", seed " + SEED + "; planted faults reported: " + CANARY_REPORTS);
        out.addAll(TIMES);
        Set<String> bound = new TreeSet<>(List.of(Ceilings.PEAK_FMA.name()));
        for (OpFamily<?> f : OpFamily.ALL) f.description().kernels().forEach(k -> bound.add(k.name()));
        for (String k : bound) {
            LongAdder n = LAUNCHES.get(k);
            out.add(String.format(Locale.ROOT, "  %-30s %6d launches", k, n == null ? 0 : n.sum()));
        }
        long total = LAUNCHES.values().stream().mapToLong(LongAdder::sum).sum();
        out.add(LAUNCHES.size() + " of " + bound.size() + " kernels launched, " + total + " launches");
        Files.write(out().resolve("summary.txt"), out);
    }

    private static Path out() {
        return Path.of(System.getProperty(OUT));
    }

    /** A device on Oclgrind with the run's program cache, telling {@code listener} of every launch. */
    private static Device open(LaunchListener listener) {
        return Device.open(info, ProgramCache.defaultDirectory(), listener);
    }

    private static LaunchListener count(Set<KernelBinding> launched) {
        return (kernel, options) -> {
            launched.add(kernel);
            LAUNCHES.computeIfAbsent(kernel.name(), k -> new LongAdder()).increment();
        };
    }

    private static String clip(String text) {
        return text.length() <= 6000 ? text : text.substring(0, 6000) + "\n[... " + (text.length() - 6000)
                + " more characters in the log]";
    }
}
