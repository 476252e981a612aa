package org.clengine.matmul.opencl;

import org.clengine.device.TuningStore;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulTuning;
import static org.clengine.device.TuningStore.integer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.clengine.device.DeviceInfo;

/**
 * The winner of {@code ./clengine tune matmul}: {@code matmul-tuning-HASH.properties} in the program cache
 * directory, or shipped on the class path (see {@link TuningStore} for where and when each is used).
 */
public final class MatmulTuningStore {
    static final String OP = "matmul";

    /** Class-path folder of the tunings that ship with the engine. */
    public static final String SHIPPED = TuningStore.SHIPPED;

    private MatmulTuningStore() {
    }

    public static Path file(Path directory, DeviceInfo d) {
        return TuningStore.file(directory, OP, d);
    }

    /** The stored tuning for {@code d} in {@code directory}, else the shipped one, if there is a readable one. */
    public static Optional<MatmulTuning> load(Path directory, DeviceInfo d) {
        return TuningStore.load(directory, OP, d, p -> new MatmulTuning(integer(p, "mr"), integer(p, "vw"),
                integer(p, "nv"), integer(p, "mc"), integer(p, "nc"), integer(p, "kc"), integer(p, "local"),
                TuningStore.longInteger(p, "plainBelow"), integer(p, "directBMaxM"), MatmulPath.AUTO));
    }

    /** Writes atomically (temporary file, then rename), with {@code comment} on top. */
    public static Path save(Path directory, DeviceInfo d, MatmulTuning t, String comment) throws IOException {
        Properties p = new Properties();
        p.setProperty("mr", Integer.toString(t.mr()));
        p.setProperty("vw", Integer.toString(t.vw()));
        p.setProperty("nv", Integer.toString(t.nv()));
        p.setProperty("mc", Integer.toString(t.mc()));
        p.setProperty("nc", Integer.toString(t.nc()));
        p.setProperty("kc", Integer.toString(t.kc()));
        p.setProperty("local", Integer.toString(t.local()));
        p.setProperty("plainBelow", Long.toString(t.plainBelow()));
        p.setProperty("directBMaxM", Integer.toString(t.directBMaxM()));
        return TuningStore.save(directory, OP, d, p, comment);
    }
}
