package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.clengine.backend.OpFamily;
import org.clengine.device.Ceilings;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.device.DeviceManager;
import org.clengine.device.OpenClUnavailableException;
import org.clengine.device.ProgramCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lists every OpenCL device, which one is chosen and why; with --verbose, cold and warm program build times. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the OpenCL devices, the one chosen (-Dclengine.device / CLENGINE_DEVICE: gpu, cpu, "
                + "gpu:1, #index or a name substring) and why.")
final class DevicesCommand implements Callable<Integer> {
    @Option(names = {"-v", "--verbose"}, description = "also build every kernel file with its default options: cold "
            + "(compiled) vs warm (loaded from the on-disk program cache)")
    boolean verbose;

    @Option(names = "--device", description = "device spec to choose by (overrides the environment)")
    String spec;

    @Override
    public Integer call() throws IOException {
        List<DeviceInfo> devices;
        DeviceManager.Choice choice;
        try {
            devices = DeviceManager.devices();
            choice = spec != null ? DeviceManager.choose(spec) : DeviceManager.choose();
        } catch (OpenClUnavailableException e) {
            System.err.println("clengine: " + e.getMessage());
            return 3;
        }
        for (DeviceInfo d : devices) {
            System.out.println(d.describe() + (d.index() == choice.device().index() ? "\n    <- chosen" : ""));
        }
        System.out.println("chosen: #" + choice.device().index() + " " + choice.device().name() + ", by "
                + choice.reason());
        Path cache = ProgramCache.defaultDirectory();
        System.out.println("program cache: " + cache + ProgramCache.directoryProblem(cache)
                .map(why -> " (not used: " + why + "; programs are built in memory)").orElse(""));
        if (verbose) buildTimes(choice.device());
        return 0;
    }

    /**
     * Every file of kernels/: the op families' (from their registered kernel bindings) and the compute ceiling's.
     */
    static Set<String> kernelFiles() {
        Set<String> files = new LinkedHashSet<>();
        for (OpFamily<?> f : OpFamily.ALL) files.addAll(f.description().kernelFiles());
        files.add(Ceilings.FILE);
        return files;
    }

    /**
     * Builds each kernel file into an empty cache (cold), then in a second device from that cache (warm), with no
     * options: every tunable at the file's own default.
     */
    private static void buildTimes(DeviceInfo info) throws IOException {
        Path dir = Files.createTempDirectory("clengine-cache");
        try {
            System.out.printf(Locale.ROOT, "%-20s %12s %12s%n", "kernel file", "cold ms", "warm ms");
            for (String file : kernelFiles()) {
                double cold = buildMillis(info, dir, file);
                double warm = buildMillis(info, dir, file);
                System.out.printf(Locale.ROOT, "%-20s %12.1f %12.1f%n", file, cold, warm);
            }
            System.out.println("cold: compiled with an empty engine cache; warm: the device binary loaded from it."
                    + "\nDrivers may keep a cache of their own under a cold build (PoCL: ~/.cache/pocl);"
                    + " POCL_KERNEL_CACHE=0 shows a build from scratch.");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double buildMillis(DeviceInfo info, Path dir, String file) {
        try (Device device = Device.open(info, dir)) {
            device.programs().program(file, "");
            return device.programs().records().get(0).millis();
        }
    }
}
