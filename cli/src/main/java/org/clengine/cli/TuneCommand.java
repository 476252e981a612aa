package org.clengine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.batchnorm.opencl.BatchNormTuner;
import org.clengine.batchnorm.opencl.BatchNormTuningStore;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.opencl.MatmulTuner;
import org.clengine.matmul.opencl.MatmulTuningStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tune matmul|batchnorm}: searches GEMM parameters or batch norm's launch rule on the chosen device and stores
 * the winner for it and its driver.
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Times candidate kernel parameters on the selected device (each checked against the reference "
                + "first) and stores the fastest in the program cache directory, per device and driver. The engine "
                + "uses it from then on; without one it uses a built-in default.")
final class TuneCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "op family to tune: matmul or batchnorm")
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
        if (!op.equals("matmul") && !op.equals("batchnorm")) {
            System.err.println("unknown op '" + op + "'; tune knows: matmul, batchnorm");
            return 2;
        }
        long s = seed != null ? seed : System.nanoTime();
        try (Device device = Device.open()) {
            DeviceInfo info = device.info();
            Path dir = device.programs().directory();
            Path file = op.equals("matmul") ? MatmulTuningStore.file(dir, info) : BatchNormTuningStore.file(dir, info);
            if (reset) {
                boolean deleted = Files.deleteIfExists(file);
                System.out.println((deleted ? "deleted " : "no tuning stored at ") + file);
                return 0;
            }
            System.out.printf(Locale.ROOT, "device %s, seed %d%n", info.label(), s);
            long start = System.nanoTime();
            String label;
            Callable<Path> store;
            if (op.equals("matmul")) {
                System.out.println("timed (packing included): " + MatmulTuner.TIMED + "; checked first: "
                        + MatmulTuner.CHECKS);
                MatmulPolicy winner = MatmulTuner.tune(device, System.out, s, repeats);
                label = winner.label() + ", B in place up to M = " + winner.directBMaxM();
                store = () -> MatmulTuningStore.save(dir, info, winner, comment(info, winner.label()));
            } else {
                System.out.println("timed (forward-training and backward): " + BatchNormTuner.TIMED
                        + "; checked first: " + BatchNormTuner.CHECKS + " in " + BatchNormTuner.CHECKED.size()
                        + " variants");
                // a stored tuning applies to the device's own kernel family only (LaunchPolicy.forDevice)
                BatchNormPolicy defaults = BatchNormPolicy.defaults(KernelFamily.own(info), info);
                BatchNormPolicy winner = BatchNormTuner.tune(device, defaults, System.out, s, repeats);
                label = winner.label() + (winner.equals(defaults) ? " (the default)" : "");
                store = () -> BatchNormTuningStore.save(dir, info, winner, comment(info, winner.label()));
            }
            System.out.printf(Locale.ROOT, "winner: %s (%.0f s)%n", label, (System.nanoTime() - start) / 1e9);
            System.out.println(dryRun ? "dry run: nothing stored" : "stored in " + store.call());
        }
        return 0;
    }

    private String comment(DeviceInfo info, String label) {
        return "clengine tune " + op + " on " + info.label() + ", " + LocalDate.now() + ": " + label;
    }
}
