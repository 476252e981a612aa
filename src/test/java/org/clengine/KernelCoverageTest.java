package org.clengine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clengine.device.Ceilings;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.device.KernelFiles;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.testing.TestBackends;
import org.clengine.core.Tensor;
import org.clengine.verify.OpVerification;
import org.junit.jupiter.api.Test;

/** Every __kernel in kernels/*.cl is named in Java, listed in KernelFiles, and launched when its family runs. */
class KernelCoverageTest {
    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+void\\s+(\\w+)");

    @Test
    void everyKernelIsBoundAndExercised() throws IOException {
        Set<String> files = new TreeSet<>();
        Set<String> kernels = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("kernels"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".cl")).toList()) {
                files.add(p.getFileName().toString());
                Matcher m = KERNEL.matcher(Files.readString(p));
                while (m.find()) kernels.add(m.group(1));
            }
        }
        assertEquals(files, KernelFiles.ALL.stream().map(KernelFiles.Entry::file).collect(Collectors.toCollection(
                TreeSet::new)), "KernelFiles.ALL must list every file in kernels/");

        String java;
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            java = s.filter(f -> f.toString().endsWith(".java")).map(KernelCoverageTest::read)
                    .collect(Collectors.joining("\n"));
        }
        Set<String> unbound = kernels.stream().filter(k -> !java.contains("\"" + k + "\""))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(unbound.isEmpty(), "kernels no Java code names: " + unbound);

        OpenClBackend device = TestBackends.openCl();
        ReferenceBackend reference = new ReferenceBackend();
        for (OpVerification v : OpVerification.all()) {
            for (String d : v.coverageShapes()) {
                for (OpVerification.Row row : v.run(device, reference, d, TestBackends.seed())) {
                    assertTrue(row.comparison().passed(), row.descriptor() + " " + row.variant() + " "
                            + row.comparison());
                }
            }
        }
        try (Tensor a = device.full(1f, 64); Tensor b = device.full(0f, 64)) {
            device.copy(b, a);
        }
        try (DeviceBuffer out = device.device().allocate(Float.BYTES * 64)) { // the compute ceiling's kernel
            Ceilings.launch(device.device(), out, Ceilings.FmaLaunch.forDevice(device.device().info()), 1);
            device.finish();
        }
        Set<String> missed = new TreeSet<>(kernels);
        missed.removeAll(Device.launchedKernels());
        assertTrue(missed.isEmpty(), "kernels no op family launched: " + missed);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
