package org.clengine.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clengine.opencl.OpenClBackend;
import org.clengine.reference.ReferenceBackend;
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
            defaultValue = "all")
    String op;

    @Option(names = "--all", description = "every op family (the default)")
    boolean all;

    @Option(names = "--seed", description = "random seed (default: fresh, printed)")
    Long seed;

    @Option(names = "--shape", description = "verify only these descriptors", split = ",")
    List<String> shapes;

    @Override
    public Integer call() {
        List<OpVerification> ops = OpVerification.all().stream()
                .filter(v -> all || op.equals("all") || v.op().equals(op)).toList();
        if (ops.isEmpty()) {
            System.err.println("unknown op '" + op + "'; known: "
                    + OpVerification.all().stream().map(OpVerification::op).toList());
            return 2;
        }
        long s = seed != null ? seed : System.nanoTime();
        int failed = 0;
        int total = 0;
        try (OpenClBackend device = OpenClBackend.open()) {
            System.out.printf(Locale.ROOT, "device %s, seed %d%n", device.device().info().label(), s);
            System.out.printf(Locale.ROOT, "%-20s %-16s %-9s %10s %10s  %s%n", "descriptor", "variant", "output",
                    "max abs", "rel L2", "status");
            ReferenceBackend reference = new ReferenceBackend();
            for (OpVerification v : ops) {
                for (String d : shapes != null ? shapes : v.shapes()) {
                    for (OpVerification.Row row : v.run(device, reference, d, s)) {
                        Comparison c = row.comparison();
                        total++;
                        if (!c.passed()) failed++;
                        System.out.printf(Locale.ROOT, "%-20s %-16s %-9s %10.3e %10.3e  %s%s%n", row.descriptor(),
                                row.variant(), c.output(), c.maxAbs(), c.relL2(), c.status(),
                                c.detail().isEmpty() ? "" : "  " + c.detail());
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d passed, %d failed%n", total - failed, failed);
        return failed == 0 ? 0 : 1;
    }
}
