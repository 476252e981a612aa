package org.clengine.matmul.opencl;

import static org.clengine.device.TuningStore.integer;
import static org.clengine.device.TuningStore.longInteger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;
import org.clengine.device.TuningStore;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.MatmulShapeClass;
import org.clengine.matmul.MatmulTiling;

/**
 * The winner of {@code ./clengine tune matmul}: {@code matmul-tuning-HASH.properties} in the program cache
 * directory, or shipped on the class path (see {@link TuningStore} for where and when each is used). It holds the
 * tuned values (tile, blocks, local size, crossovers, and the GPU family's tiling: keys {@code tiling.mwg} …,
 * absent from files written before it, which keep the default tiling); the rest of the policy are the defaults of
 * the device's own family, the only one a stored tuning is applied to.
 */
public final class MatmulTuningStore {
    static final String OP = "matmul";

    private MatmulTuningStore() {
    }

    public static Path file(Path directory, DeviceInfo d) {
        return TuningStore.file(directory, OP, d);
    }

    /** What a stored tuning is laid over: the defaults of the device's own family. */
    public static MatmulPolicy base(DeviceInfo d) {
        return MatmulPolicy.defaults(KernelFamily.own(d), d);
    }

    /** The stored tuning for {@code d} in {@code directory}, else the shipped one, if there is a readable one. */
    public static Optional<MatmulPolicy> load(Path directory, DeviceInfo d) {
        MatmulPolicy base = base(d);
        return TuningStore.load(directory, OP, d, p -> classes(base
                .withTile(integer(p, "mr"), integer(p, "vw"), integer(p, "nv"), integer(p, "mc"), integer(p, "nc"),
                        integer(p, "kc"))
                .withLocal(integer(p, "local")).withPlainBelow(longInteger(p, "plainBelow"))
                .withDirectBMaxM(integer(p, "directBMaxM")).withTiling(tiling(p, base.tiling())), p));
    }

    private static final String[] BLOCK_KEYS = {"mc", "nc", "kc", "directBMaxM"};

    /** The shape classes' own blocks ({@code class.small.mc} …; files written before them have none). */
    private static MatmulPolicy classes(MatmulPolicy t, Properties p) {
        for (MatmulShapeClass c : MatmulShapeClass.values()) {
            String prefix = "class." + c.name().toLowerCase(Locale.ROOT) + ".";
            if (p.getProperty(prefix + "mc") == null) continue;
            int[] v = new int[BLOCK_KEYS.length];
            for (int i = 0; i < v.length; i++) v[i] = integer(p, prefix + BLOCK_KEYS[i]);
            t = t.withClass(c, new MatmulPolicy.Blocks(v[0], v[1], v[2], v[3]));
        }
        return t;
    }

    private static final String[] TILING_KEYS = {"mwg", "nwg", "kwg", "mdimc", "ndimc", "vwm", "vwn", "pad"};

    /** The stored tiling, or {@code base} when the file has none. */
    private static MatmulTiling tiling(Properties p, MatmulTiling base) {
        if (p.getProperty("tiling.mwg") == null) return base;
        int[] v = new int[TILING_KEYS.length];
        for (int i = 0; i < v.length; i++) v[i] = integer(p, "tiling." + TILING_KEYS[i]);
        return new MatmulTiling(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }

    /** Writes the tuned values atomically (temporary file, then rename), with {@code comment} on top. */
    public static Path save(Path directory, DeviceInfo d, MatmulPolicy t, String comment) throws IOException {
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
        MatmulTiling g = t.tiling();
        int[] v = {g.mwg(), g.nwg(), g.kwg(), g.mdimc(), g.ndimc(), g.vwm(), g.vwn(), g.pad()};
        for (int i = 0; i < v.length; i++) p.setProperty("tiling." + TILING_KEYS[i], Integer.toString(v[i]));
        t.classes().forEach((c, b) -> {
            String prefix = "class." + c.name().toLowerCase(Locale.ROOT) + ".";
            int[] w = {b.mc(), b.nc(), b.kc(), b.directBMaxM()};
            for (int i = 0; i < w.length; i++) p.setProperty(prefix + BLOCK_KEYS[i], Integer.toString(w[i]));
        });
        return TuningStore.save(directory, OP, d, p, comment);
    }
}
