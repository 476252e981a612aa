package org.clengine.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.onnx.OnnxTestRunner;
import org.clengine.backend.BadInputCases;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Kernel-vs-reference over each op's fixed shapes; exit code 1 on any failure. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Runs every kernel variant against the reference backend on fresh random data and prints "
                + "max abs and relative L2 error per output. Exit code 1 if any comparison fails.")
final class VerifyCommand implements Callable<Integer> {
    @Option(names = "--op", description = "op family: ${COMPLETION-CANDIDATES} or all (default: all)",
            defaultValue = "all", completionCandidates = OpNames.class)
    String op;

    /** The op families verify knows, for --op's help. */
    static final class OpNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return OpVerification.all().stream().map(OpVerification::op).iterator();
        }
    }

    @Option(names = "--all", description = "every op family (the default)")
    boolean all;

    @Option(names = "--seed", description = "random seed (default: fresh, printed)")
    Long seed;

    @Option(names = "--digests", description = "print a digest of each output's bits (compare builds or devices "
            + "bit for bit)")
    boolean digests;

    @Option(names = "--shape", description = "verify only these descriptors", split = ",")
    List<String> shapes;

    @Option(names = "--onnx", description = "ONNX node-test folders to run as well (default with --all or no --op: "
            + "Debian's libonnx-testdata when installed)")
    List<java.nio.file.Path> onnx;

    @Override
    public Integer call() throws java.io.IOException {
        List<OpVerification> ops = OpVerification.all().stream()
                .filter(v -> all || op.equals("all") || v.op().equals(op)).toList();
        if (ops.isEmpty()) {
            System.err.println("unknown op '" + op + "'; known: "
                    + OpVerification.all().stream().map(OpVerification::op).toList());
            return 2;
        }
        long s = seed != null ? seed : System.nanoTime();
        boolean everything = all || op.equals("all");
        java.util.Map<String, int[]> perOp = new java.util.LinkedHashMap<>();
        int failed = 0;
        int total = 0;
        String summaryOnnx = null;
        String summaryBad = null;
        try (OpenClBackend device = OpenClBackend.open()) {
            System.out.printf(Locale.ROOT, "device %s, seed %d%n", device.device().info().label(), s);
            System.out.printf(Locale.ROOT, "%-20s %-16s %-9s %10s %10s  %s%n", "descriptor", "variant", "output",
                    "max abs", "rel L2", "status");
            ReferenceBackend reference = new ReferenceBackend();
            for (OpVerification v : ops) {
                int[] count = perOp.computeIfAbsent(v.op(), k -> new int[2]);
                for (String d : shapes != null ? shapes : v.shapes()) {
                    for (OpVerification.Row row : v.run(device, reference, d, s)) {
                        Comparison c = row.comparison();
                        total++;
                        count[0]++;
                        if (!c.passed()) {
                            failed++;
                            count[1]++;
                        }
                        System.out.printf(Locale.ROOT, "%-20s %-16s %-9s %10.3e %10.3e  %s%s%s%n", row.descriptor(),
                                row.variant(), c.output(), c.maxAbs(), c.relL2(), c.status(),
                                digests ? "  " + c.digest() : "", c.detail().isEmpty() ? "" : "  " + c.detail());
                    }
                }
            }
            if (everything || onnx != null) {
                summaryOnnx = onnxSummary(device);
                failed += onnxFailures;
            }
            if (everything) {
                var outcomes = new java.util.ArrayList<BadInputCases.Outcome>();
                outcomes.addAll(BadInputCases.run(device, reference));
                outcomes.addAll(BadInputCases.run(reference, device));
                long bad = outcomes.stream().filter(o -> !o.passed()).count();
                for (var o : outcomes) {
                    if (!o.passed()) System.out.println("bad input FAIL " + o.backend() + ": " + o.c().op() + ": "
                            + o.c().name() + ": " + o.message());
                }
                failed += (int) bad;
                summaryBad = String.format(Locale.ROOT, "%d tried on 2 backends, %d answered with a clear exception",
                        outcomes.size(), outcomes.size() - bad);
            }
        }
        System.out.println();
        System.out.println("summary");
        perOp.forEach((k, c) -> System.out.printf(Locale.ROOT, "  %-10s kernel vs reference: %d of %d passed%n", k,
                c[0] - c[1], c[0]));
        if (summaryOnnx != null) System.out.println("  onnx       " + summaryOnnx);
        if (summaryBad != null) System.out.println("  bad input  " + summaryBad);
        System.out.printf(Locale.ROOT, "%d passed, %d failed%n", total - failed, failed);
        return failed == 0 ? 0 : 1;
    }

    private long onnxFailures;

    /** Runs the ONNX folders (given, or Debian's libonnx-testdata when installed) and sums them up in one line. */
    private String onnxSummary(OpenClBackend device) throws java.io.IOException {
        List<java.nio.file.Path> paths = onnx;
        if (paths == null) {
            java.nio.file.Path data = java.nio.file.Path.of("/usr/share/libonnx-testdata/data");
            if (!java.nio.file.Files.isDirectory(data)) return "skipped: libonnx-testdata is not installed";
            paths = List.of(data.resolve("node"), data.resolve("pytorch-converted"));
        }
        var results = OnnxTestRunner.runAll(device, paths, null);
        long pass = 0, fail = 0, skip = 0;
        for (var r : results) {
            switch (r.status()) {
                case PASS -> pass++;
                case FAIL -> {
                    fail++;
                    System.out.println("onnx " + r);
                }
                case SKIPPED -> skip++;
            }
        }
        onnxFailures = fail;
        return String.format(Locale.ROOT, "%d directories: %d passed, %d failed, %d skipped (op or type not in the "
                + "engine)", results.size(), pass, fail, skip);
    }
}
