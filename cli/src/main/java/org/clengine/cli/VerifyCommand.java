package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.clengine.backend.BadInputCases;
import org.clengine.backend.OpFamily;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.onnx.OnnxTestRunner;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Kernel-vs-reference over each op family's fixed shapes ({@link OpFamily#ALL}); exit code 1 on any failure. */
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
        public Iterator<String> iterator() {
            return OpFamily.ALL.stream().map(OpFamily::stem).iterator();
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
    List<Path> onnx;

    /** Failures and summary lines of the parts after the kernel rows. */
    private int failed;
    private final List<String> summary = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        boolean everything = all || op.equals("all");
        List<OpFamily<?>> families = OpFamily.ALL.stream().filter(f -> everything || f.stem().equals(op)).toList();
        if (families.isEmpty()) {
            System.err.println("unknown op '" + op + "'; known: " + OpFamily.ALL.stream().map(OpFamily::stem)
                    .toList());
            return 2;
        }
        long s = seed != null ? seed : System.nanoTime();
        int total = 0;
        try (OpenClBackend device = OpenClBackend.open()) {
            ReferenceBackend reference = new ReferenceBackend();
            // the kernel family too: CLENGINE_KERNELS / -Dclengine.kernels may force the other one
            System.out.printf(Locale.ROOT, "device %s, seed %d, %s kernel family%n", device.device().info().label(), s,
                    device.policy().family().label());
            System.out.printf(Locale.ROOT, "%-20s %-16s %-9s %10s %10s  %s%n", "descriptor", "variant", "output",
                    "max abs", "rel L2", "status");
            for (OpFamily<?> f : families) total += verifyFamily(f, device, reference, s);
            if (everything || onnx != null) onnx(device);
            if (everything) badInputs(device, reference);
        }
        System.out.println();
        System.out.println("summary");
        summary.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "%d passed, %d failed%n", total - failed, failed);
        return failed == 0 ? 0 : 1;
    }

    /** One family's rows over its shapes (or --shape); returns how many comparisons ran. */
    private int verifyFamily(OpFamily<?> f, OpenClBackend device, ReferenceBackend reference, long s) {
        int rows = 0;
        int bad = 0;
        for (String d : shapes != null ? shapes : f.description().verification().shapes()) {
            for (OpVerification.Row row : f.verify(device, reference, d, s)) {
                Comparison c = row.comparison();
                rows++;
                if (!c.passed()) bad++;
                System.out.printf(Locale.ROOT, "%-20s %-16s %-9s %10.3e %10.3e  %s%s%s%n", row.descriptor(),
                        row.variant(), c.output(), c.maxAbs(), c.relL2(), c.status(),
                        digests ? "  " + c.digest() : "", c.detail().isEmpty() ? "" : "  " + c.detail());
            }
        }
        failed += bad;
        summary.add(String.format(Locale.ROOT, "  %-10s kernel vs reference: %d of %d passed", f.stem(), rows - bad,
                rows));
        return rows;
    }

    /** Runs the ONNX folders (given, or Debian's libonnx-testdata when installed) and sums them up in one line. */
    private void onnx(OpenClBackend device) throws IOException {
        List<Path> paths = onnx;
        if (paths == null) {
            Path data = Path.of("/usr/share/libonnx-testdata/data");
            if (!Files.isDirectory(data)) {
                summary.add("  onnx       skipped: libonnx-testdata is not installed");
                return;
            }
            paths = List.of(data.resolve("node"), data.resolve("pytorch-converted"));
        }
        List<OnnxTestRunner.Result> results = OnnxTestRunner.runAll(device, paths, null);
        Map<OnnxTestRunner.Status, Integer> count = new LinkedHashMap<>();
        for (OnnxTestRunner.Result r : results) {
            count.merge(r.status(), 1, Integer::sum);
            if (r.status() == OnnxTestRunner.Status.FAIL) System.out.println("onnx " + r);
        }
        int fail = count.getOrDefault(OnnxTestRunner.Status.FAIL, 0);
        failed += fail;
        summary.add(String.format(Locale.ROOT, "  onnx       %d directories: %d passed, %d failed, %d skipped (op or "
                + "type not in the engine)", results.size(), count.getOrDefault(OnnxTestRunner.Status.PASS, 0), fail,
                count.getOrDefault(OnnxTestRunner.Status.SKIPPED, 0)));
    }

    /** The whole bad-input suite (every family's cases and the tensors'), on each backend with the other's tensors. */
    private void badInputs(OpenClBackend device, ReferenceBackend reference) {
        List<BadInputCase.Outcome> outcomes = new ArrayList<>(BadInputCases.run(device, reference));
        outcomes.addAll(BadInputCases.run(reference, device));
        long bad = 0;
        for (BadInputCase.Outcome o : outcomes) {
            if (o.passed()) continue;
            bad++;
            System.out.println("bad input FAIL " + o.backend() + ": " + o.c().op() + ": " + o.c().name() + ": "
                    + o.message());
        }
        failed += (int) bad;
        summary.add(String.format(Locale.ROOT, "  bad input  %d tried on 2 backends, %d answered with a clear "
                + "exception", outcomes.size(), outcomes.size() - bad));
    }
}
