package org.clengine.batchnorm.opencl;

import org.clengine.batchnorm.BatchNormTuning;
import org.clengine.device.TuningStore;
import static org.clengine.device.TuningStore.integer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.clengine.device.DeviceInfo;

/**
 * The winner of {@code ./clengine tune batchnorm}, a {@link BatchNormTuning.Rule}:
 * {@code batchnorm-tuning-HASH.properties} in the program cache directory, or shipped on the class path (see
 * {@link TuningStore}).
 */
public final class BatchNormTuningStore {
    static final String OP = "batchnorm";

    private BatchNormTuningStore() {
    }

    public static Path file(Path directory, DeviceInfo d) {
        return TuningStore.file(directory, OP, d);
    }

    public static Optional<BatchNormTuning.Rule> load(Path directory, DeviceInfo d) {
        return TuningStore.load(directory, OP, d, p -> new BatchNormTuning.Rule(integer(p, "target"),
                TuningStore.longInteger(p, "span"), integer(p, "localReduce"), integer(p, "localApply"),
                integer(p, "rowsMin"), integer(p, "localPositions"), integer(p, "posBlocks")));
    }

    public static Path save(Path directory, DeviceInfo d, BatchNormTuning.Rule r, String comment) throws IOException {
        Properties p = new Properties();
        p.setProperty("target", Integer.toString(r.target()));
        p.setProperty("span", Long.toString(r.span()));
        p.setProperty("localReduce", Integer.toString(r.localReduce()));
        p.setProperty("localApply", Integer.toString(r.localApply()));
        p.setProperty("rowsMin", Integer.toString(r.rowsMin()));
        p.setProperty("localPositions", Integer.toString(r.localPositions()));
        p.setProperty("posBlocks", Integer.toString(r.posBlocks()));
        return TuningStore.save(directory, OP, d, p, comment);
    }
}
