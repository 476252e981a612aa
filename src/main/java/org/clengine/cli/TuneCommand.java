package org.clengine.cli;

import java.nio.file.Files;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clengine.device.DeviceInfo;
import org.clengine.opencl.MatmulTuner;
import org.clengine.opencl.MatmulTuning;
import org.clengine.opencl.MatmulTuningStore;
import org.clengine.opencl.OpenClBackend;
import org.clengine.reference.ReferenceBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tune matmul}: searches GEMM parameters on the chosen device and stores the winner for it and its driver. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Times candidate kernel parameters on the selected device (each checked against the reference "
                + "first) and stores the fastest in the program cache directory, per device and driver. The engine "
                + "uses it from then on; without one it uses a built-in default.")
final class TuneCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "op family to tune: matmul")
    String op;

    @Option(names = "--seed", description = "random seed of the checks (default: fresh, printed)")
    Long seed;

    @Option(names = "--repeats", defaultValue = "15", description = "timed runs per shape; the fastest counts")
    int repeats;

    @Option(names = "--dry-run", description = "search and print, but store nothing")
    boolean dryRun;

    @Option(names = "--reset", description = "delete the stored tuning (back to the default) and exit")
    boolean reset;

    @Override
    public Integer call() throws Exception {
        if (!op.equals("matmul")) {
            System.err.println("unknown op '" + op + "'; tune knows: matmul");
            return 2;
        }
        long s = seed != null ? seed : System.nanoTime();
        try (OpenClBackend device = OpenClBackend.open()) {
            DeviceInfo info = device.device().info();
            java.nio.file.Path dir = device.device().programs().directory();
            if (reset) {
                boolean deleted = Files.deleteIfExists(MatmulTuningStore.file(dir, info));
                System.out.println((deleted ? "deleted " : "no tuning stored at ") + MatmulTuningStore.file(dir, info));
                return 0;
            }
            System.out.printf(Locale.ROOT, "device %s, seed %d%n", info.label(), s);
            System.out.println("timed (packing included): " + MatmulTuner.TIMED + "; checked first: "
                    + MatmulTuner.CHECKS);
            long start = System.nanoTime();
            MatmulTuner tuner = new MatmulTuner(device, new ReferenceBackend(), System.out, s, repeats);
            MatmulTuning winner = tuner.run();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "winner: %s, B in place up to M = %d (%.0f s)%n", winner.label(),
                    winner.directBMaxM(), seconds);
            if (dryRun) {
                System.out.println("dry run: nothing stored");
            } else {
                String comment = "clengine tune matmul on " + info.label() + ", " + LocalDate.now() + ": "
                        + winner.label();
                System.out.println("stored in " + MatmulTuningStore.save(dir, info, winner, comment));
            }
        }
        return 0;
    }
}
