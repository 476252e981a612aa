package org.clengine.batchnorm.opencl;

import static org.clengine.device.TuningStore.integer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.device.DeviceInfo;
import org.clengine.device.TuningStore;

/**
 * The winner of {@code ./clengine tune batchnorm}, a {@link BatchNormPolicy}'s seven tuned knobs:
 * {@code batchnorm-tuning-HASH.properties} in the program cache directory, or shipped on the class path (see
 * {@link TuningStore}). The limits are not stored: a loaded policy has the built-in ones.
 */
public final class BatchNormTuningStore {
    static final String OP = "batchnorm";

    private BatchNormTuningStore() {
    }

    public static Path file(Path directory, DeviceInfo d) {
        return TuningStore.file(directory, OP, d);
    }

    public static Optional<BatchNormPolicy> load(Path directory, DeviceInfo d) {
        return TuningStore.load(directory, OP, d, p -> BatchNormPolicy.of(integer(p, "target"),
                TuningStore.longInteger(p, "span"), integer(p, "localReduce"), integer(p, "localApply"),
                integer(p, "rowsMin"), integer(p, "localPositions"), integer(p, "posBlocks")));
    }

    /** Stores the knobs of {@code policy}, which must have the built-in limits and no fixed geometry. */
    public static Path save(Path directory, DeviceInfo d, BatchNormPolicy policy, String comment) throws IOException {
        BatchNormPolicy knobs = BatchNormPolicy.of(policy.target(), policy.span(), policy.localReduce(),
                policy.localApply(), policy.rowsMin(), policy.localPositions(), policy.posBlocks());
        if (!knobs.equals(policy)) {
            throw new IllegalArgumentException("only the tuned knobs are stored; " + policy.label()
                    + " has other limits or a fixed geometry");
        }
        Properties p = new Properties();
        p.setProperty("target", Integer.toString(policy.target()));
        p.setProperty("span", Long.toString(policy.span()));
        p.setProperty("localReduce", Integer.toString(policy.localReduce()));
        p.setProperty("localApply", Integer.toString(policy.localApply()));
        p.setProperty("rowsMin", Integer.toString(policy.rowsMin()));
        p.setProperty("localPositions", Integer.toString(policy.localPositions()));
        p.setProperty("posBlocks", Integer.toString(policy.posBlocks()));
        return TuningStore.save(directory, OP, d, p, comment);
    }
}
