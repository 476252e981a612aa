package org.clengine.opencl;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;
import org.clengine.device.DeviceInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The winner of {@code ./clengine tune matmul}, one properties file per device and driver in the device's program
 * cache directory ({@link org.clengine.device.ProgramCache#defaultDirectory()} unless the device was opened with
 * another): {@code matmul-tuning-HASH.properties}, HASH over platform, device, vendor and driver version. A new
 * driver gets a new file, so a stale tuning is never used; a damaged file is ignored with a warning.
 *
 * <p>When the directory has no file for a device, the engine looks for one of the same name shipped on the class
 * path under {@value #SHIPPED}: tunings measured on machines the developers could borrow (the GPU kit's run writes
 * them into its output folder, from where they are committed to {@code src/main/resources/org/clengine/tunings}).
 * A user's own {@code ./clengine tune matmul} always wins over a shipped one.
 */
public final class MatmulTuningStore {
    private static final Logger log = LoggerFactory.getLogger(MatmulTuningStore.class);

    /** Class-path folder of the tunings that ship with the engine. */
    public static final String SHIPPED = "/org/clengine/tunings/";

    private MatmulTuningStore() {
    }

    public static Path file(Path directory, DeviceInfo d) {
        String key = String.join("\u0000", d.platformName(), d.platformVersion(), d.name(), d.vendor(),
                d.driverVersion());
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return directory.resolve("matmul-tuning-" + HexFormat.of().formatHex(hash, 0, 8) + ".properties");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored tuning for {@code d} in {@code directory}, else the shipped one, if there is a readable one. */
    public static Optional<MatmulTuning> load(Path directory, DeviceInfo d) {
        Path f = file(directory, d);
        if (Files.isRegularFile(f)) {
            try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                return parse(in, f.toString());
            } catch (IOException e) {
                log.warn("ignoring the matmul tuning in {} ({}); using the default", f, e.toString());
                return Optional.empty();
            }
        }
        String resource = SHIPPED + f.getFileName();
        java.io.InputStream shipped = MatmulTuningStore.class.getResourceAsStream(resource);
        if (shipped == null) return Optional.empty();
        try (Reader in = new java.io.InputStreamReader(shipped, StandardCharsets.UTF_8)) {
            Optional<MatmulTuning> t = parse(in, resource);
            t.ifPresent(x -> log.debug("matmul tuning for {} shipped in {}", d.label(), resource));
            return t;
        } catch (IOException e) {
            log.warn("ignoring the shipped matmul tuning {} ({}); using the default", resource, e.toString());
            return Optional.empty();
        }
    }

    private static Optional<MatmulTuning> parse(Reader in, String where) throws IOException {
        Properties p = new Properties();
        p.load(in);
        try {
            return Optional.of(new MatmulTuning(i(p, "mr"), i(p, "vw"), i(p, "nv"), i(p, "mc"), i(p, "nc"),
                    i(p, "kc"), i(p, "local"), Long.parseLong(p.getProperty("plainBelow", "").trim()),
                    i(p, "directBMaxM"), MatmulPath.AUTO));
        } catch (RuntimeException e) {
            log.warn("ignoring the matmul tuning in {} ({}); using the default", where, e.toString());
            return Optional.empty();
        }
    }

    /** Writes atomically (temporary file, then rename), with {@code comment} on top. */
    public static Path save(Path directory, DeviceInfo d, MatmulTuning t, String comment) throws IOException {
        Path f = file(directory, d);
        Files.createDirectories(f.getParent());
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
        Path tmp = Files.createTempFile(f.getParent(), "matmul-tuning", ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, comment);
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    private static int i(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) throw new IllegalArgumentException("missing " + key);
        return Integer.parseInt(v.trim());
    }
}
