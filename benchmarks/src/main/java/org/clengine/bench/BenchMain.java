package org.clengine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.clengine.device.DeviceInfo;
import org.clengine.device.DeviceManager;
import org.clengine.device.OpenClUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./clengine bench}: runs the JMH benchmarks of the chosen op families and the copy kernel through JMH's
 * Runner API, then the peers, and prints the table; writes JSON, Markdown and a PNG chart under the results folder.
 */
@Command(name = "clengine bench", mixinStandardHelpOptions = true, sortOptions = false,
        version = "clengine benchmarks 0.1.0",
        description = {"Times clengine's ops (JMH, median of every invocation) against the device's copy kernel "
                + "(the bandwidth ceiling), the FMA peak and our GEMM (compute ceilings) and peers (PyTorch CPU, "
                + "CLBlast, OpenBLAS, ND4J) in one run.",
                "Device: -Dclengine.device / CLENGINE_DEVICE (gpu, cpu, gpu:1, #index or a name substring)."})
public final class BenchMain implements Callable<Integer> {
    @Option(names = "--op", paramLabel = "OP", defaultValue = "all", split = ",",
            description = "op families: batchnorm, matmul, conv2d (several with commas) or all (default: "
                    + "${DEFAULT-VALUE})")
    List<String> op;

    @Option(names = "--all", description = "every op family (the default)")
    boolean all;

    @Option(names = "--shape", paramLabel = "D", split = ",", description = "only these descriptors, e.g. "
            + "mb32ic64ih56iw56 (default: each family's list)")
    List<String> shapes;

    @Option(names = "--variant", paramLabel = "V", split = ",", description = "only these variants, e.g. plain")
    List<String> variants;

    @Option(names = "--quick", description = "no JMH warm-up (setup runs each op twice) and 2 × 0.4 s measured per "
            + "trial, peers 10 repeats: minutes instead of a quarter hour; noisier")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results JSON here")
    Path json;

    @Option(names = "--results", paramLabel = "DIR", description = "where latest.json, latest.md and latest.png "
            + "go (default: benchmarks/results from the repository root, results inside benchmarks/)")
    Path results;

    @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3",
            description = "Python for the peers (Debian's python3-torch lives under ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--peer-threads", paramLabel = "N", description = "threads the peers may use (default: "
            + "this machine's processors, as the OpenCL CPU device uses them all)")
    Integer peerThreads;

    @Option(names = "--no-peers", description = "skip the peers")
    boolean noPeers;

    @Option(names = "--no-python-peers", description = "skip the peers run by Python (PyTorch on the CPU) but keep "
            + "those inside the JVM whose libraries this jar holds (CLBlast on the same OpenCL device; ND4J and "
            + "OpenBLAS unless the jar was built with -Pkit)")
    boolean noPythonPeers;

    @Option(names = "--verbose", description = "JMH's own output (every iteration and histogram)")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<BenchFamily> families = BenchFamily.all().stream()
                .filter(f -> all || op.contains("all") || op.contains(f.stem())).toList();
        List<String> unknown = op.stream().filter(o -> !o.equals("all")
                && BenchFamily.all().stream().noneMatch(f -> f.stem().equals(o))).toList();
        if (families.isEmpty() || !unknown.isEmpty()) {
            System.err.println("unknown op " + unknown + "; known: "
                    + BenchFamily.all().stream().map(BenchFamily::stem).toList() + " or all");
            return 2;
        }
        try {
            for (BenchFamily family : families) validate(family);
        } catch (IllegalArgumentException e) {
            System.err.println("clengine bench: " + e.getMessage());
            return 2;
        }
        DeviceInfo device;
        try {
            device = DeviceManager.choose().device();
        } catch (OpenClUnavailableException e) {
            System.err.println("clengine bench: " + e.getMessage());
            return 3;
        }
        List<String> header = new ArrayList<>(List.of("device: " + device.label(),
                "date: " + ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME),
                "run: " + (quick ? "--quick (no JMH warm-up, 2 × 0.4 s measured)"
                        : "full (JMH 3 × 1 s warm-up, 5 × 1 s measured)") + ", SampleTime, one fork per trial, "
                        + "Java " + Runtime.version(),
                "load average before: " + loadAverage()));
        header.forEach(System.out::println);
        Report report = new Report(device.name(), device.driverVersion());
        int missing = 0;
        for (BenchFamily family : families) {
            long start = System.nanoTime();
            missing += runFamily(family, report);
            family.notes(!noPeers).forEach(report::note);
            if (!noPeers && !noPythonPeers) runPeers(family, report);
            String took = String.format(java.util.Locale.ROOT, "%s: %.1f min", family.stem(),
                    (System.nanoTime() - start) / 60e9);
            System.out.println(took);
            header.add("took " + took);
        }
        header.add("load average after: " + loadAverage());
        if (noPeers) report.note("peers skipped (--no-peers)");
        if (noPythonPeers && !noPeers) report.note("Python peers skipped (--no-python-peers)");
        Results r = report.results();
        System.out.println();
        System.out.print(ReportText.text(r));
        System.out.println();
        ReportText.reading(r.rows()).forEach(line -> System.out.println("* " + line));
        report.notes().forEach(line -> System.out.println("* " + line));
        write(r, report, header);
        if (missing > 0) {
            System.err.println(missing + " trial(s) failed (their check or their run): see the JMH messages above");
            return 1;
        }
        return 0;
    }

    /** The family's benchmarks and the copy kernel on its shapes, in JMH runs; returns the trials missing. */
    private int runFamily(BenchFamily family, Report report) throws Exception {
        List<String> s = shapes != null ? shapes : family.shapes();
        List<String> v = variants != null ? variants : family.variants();
        List<JmhRun.Selection> selections = new ArrayList<>();
        for (BenchFamily.Trials t : family.trials(s, v, !noPeers)) {
            selections.add(new JmhRun.Selection(t.benchmark(), t.methods(), new LinkedHashMap<>(t.params())));
        }
        List<String> floats = s.stream().map(family::copyFloats).filter(n -> n > 0).distinct()
                .map(String::valueOf).toList();
        if (!floats.isEmpty()) {
            selections.add(new JmhRun.Selection(CopyBench.class, List.of(), Map.of("floats", floats)));
        }
        List<JmhRun.Trial> trials = JmhRun.run(selections, quick, verbose);
        JmhRun.Trial peak = null; // the FMA peak: its fastest invocation over its trials (before and after)
        for (JmhRun.Trial t : trials) {
            if (t.benchmarkClass().equals(CopyBench.class.getName())) {
                report.copy(Long.parseLong(t.param("floats")), t.medianMs());
            } else if (t.benchmarkClass().equals(PeakBench.class.getName())) {
                if (peak == null || t.minMs() < peak.minMs()) peak = t;
            } else {
                String o = family.op(t.method());
                report.add(family, Row.of(o, t.param("shape"), t.param("system"), t.param("variant"), t.medianMs(),
                        family.work(o, t.param("shape"), t.param("variant"))));
            }
        }
        if (peak != null) {
            String o = family.op(peak.method());
            double f = family.work(o, peak.param("shape"), peak.param("variant")).flops();
            report.note(String.format(java.util.Locale.ROOT, "peak_fma: fastest invocation %.3f ms (%.1f GFLOP/s, "
                    + "the ceiling); medians of its trials %s ms", peak.minMs(), f / peak.minMs() / 1e6,
                    trials.stream().filter(t -> t.benchmarkClass().equals(PeakBench.class.getName()))
                            .map(t -> String.format(java.util.Locale.ROOT, "%.3f (%.1f GFLOP/s)", t.medianMs(),
                                    f / t.medianMs() / 1e6)).toList()));
            report.add(family, Row.of(o, peak.param("shape"), peak.param("system"), peak.param("variant"),
                    peak.minMs(), family.work(o, peak.param("shape"), peak.param("variant"))));
        }
        return selections.stream().mapToInt(JmhRun.Selection::trials).sum() - trials.size();
    }

    private void runPeers(BenchFamily family, Report report) throws InterruptedException {
        List<String> s = shapes != null ? shapes : family.shapes();
        List<String> v = variants != null ? variants : family.variants();
        int threads = peerThreads != null ? peerThreads : Runtime.getRuntime().availableProcessors();
        for (PythonPeer peer : family.peers()) {
            String why = peer.unavailable(python);
            if (why != null) {
                String line = peer.system() + " peer skipped: " + why + "; to include it: " + peer.install();
                System.out.println(line);
                report.note(line);
                continue;
            }
            System.out.println("running peer " + peer.system() + " (" + peer.script() + ", " + threads + " threads)");
            try {
                PythonPeer.Output out = peer.run(python, List.of("--shapes", String.join(",", s), "--variants",
                        String.join(",", v), "--threads", String.valueOf(threads), "--warmup", quick ? "3" : "5",
                        "--repeats", quick ? "10" : "30"));
                for (PythonPeer.Measured m : out.rows()) {
                    report.add(family, Row.of(m.op(), m.shape(), peer.system(), m.variant(), m.ms(),
                            family.work(m.op(), m.shape(), m.variant())));
                }
                report.note(peer.system() + " " + out.version() + " (" + python + ", " + out.threads()
                        + " threads): " + peer.script() + ", median of " + (quick ? 10 : 30) + " repeats");
            } catch (IOException e) {
                String line = peer.system() + " peer failed, no rows from it: " + e.getMessage();
                System.out.println(line);
                report.note(line);
            }
        }
    }

    private void write(Results r, Report report, List<String> header) throws IOException {
        if (results == null) {
            results = Files.isDirectory(Path.of("benchmarks")) ? Path.of("benchmarks", "results") : Path.of("results");
        }
        Files.createDirectories(results);
        Path jsonFile = results.resolve("latest.json");
        Path md = results.resolve("latest.md");
        Path png = results.resolve("latest.png");
        Path flopsPng = results.resolve("latest-gflops.png");
        r.writeJson(jsonFile);
        Files.writeString(md, ReportText.markdown(r, report, header));
        Files.deleteIfExists(png);
        Files.deleteIfExists(flopsPng);
        if (json != null) r.writeJson(json);
        String title = r.device() + ", " + r.driver();
        // The GPU kit's runtime leaves out java.desktop (12 MiB), which XChart needs; the JSON holds every figure.
        boolean awt = ModuleLayer.boot().findModule("java.desktop").isPresent();
        if (!awt) System.out.println("no plots: this Java runtime has no java.desktop module (the GPU kit's)");
        boolean bandwidth = awt && ReportChart.write(r, title, png, false); // GB/s rows: batch norm
        boolean flops = awt && ReportChart.write(r, title, bandwidth ? flopsPng : png, true); // GFLOP/s: GEMM, conv
        System.out.println("\nwrote " + jsonFile + ", " + md + (bandwidth || flops ? ", " + png : "")
                + (bandwidth && flops ? ", " + flopsPng : "") + (json != null ? ", " + json : ""));
    }

    /** Every shape and variant asked for, parsed before anything runs: a typo fails now, not in a fork. */
    private void validate(BenchFamily family) {
        String o = family.op(JmhRun.methods(family.benchmark()).get(0));
        for (String shape : shapes != null ? shapes : family.shapes()) {
            for (String variant : variants != null ? variants : family.variants()) family.work(o, shape, variant);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
