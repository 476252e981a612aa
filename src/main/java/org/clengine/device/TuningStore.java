package org.clengine.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@code ./clengine tune OP} keeps its winners: one properties file per op, device and driver in the
 * device's program cache directory ({@link org.clengine.device.ProgramCache#defaultDirectory()} unless the device
 * was opened with another), {@code OP-tuning-HASH.properties}, HASH over platform, device, vendor and driver
 * version. A new driver gets a new file, so a stale tuning is never used; a damaged file is ignored with a warning.
 *
 * <p>When the directory has no file for a device, the engine looks for one of the same name shipped on the class
 * path under {@value #SHIPPED}: tunings measured on machines the developers could borrow (the GPU kit's run writes
 * them into its output folder, from where they are committed to {@code src/main/resources/org/clengine/tunings}).
 * A user's own tuning always wins over a shipped one.
 *
 * <p>Tunings choose launch geometries, so they are trusted no more than program binaries: a directory that
 * {@link PrivateDirectory} refuses (not the user's own and private, or a symbolic link) is not read from nor written
 * to, and a file in it is read only if it is a regular file of the user's that nobody else can write, of at most
 * {@value #MAX_BYTES} bytes.
 */
public final class TuningStore {
    private static final Logger log = LoggerFactory.getLogger(TuningStore.class);

    /** Class-path folder of the tunings that ship with the engine. */
    public static final String SHIPPED = "/org/clengine/tunings/";
    /** A tuning file is a few lines; anything much larger is not one. */
    static final int MAX_BYTES = 64 * 1024;

    private TuningStore() {
    }

    public static Path file(Path directory, String op, DeviceInfo d) {
        String key = String.join("\u0000", d.platformName(), d.platformVersion(), d.name(), d.vendor(),
                d.driverVersion());
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return directory.resolve(op + "-tuning-" + HexFormat.of().formatHex(hash, 0, 8) + ".properties");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The stored tuning of {@code op} for {@code d}: the directory's file, else the shipped one, parsed by
     * {@code parse} (which throws on a missing or bad value); empty when there is none or it does not parse. The
     * directory's file is passed over for the shipped one when the directory is refused, and ignored (with a
     * warning) when it is not a private regular file.
     */
    public static <T> Optional<T> load(Path directory, String op, DeviceInfo d, Function<Properties, T> parse) {
        Path f = file(directory, op, d);
        if (Files.exists(f, LinkOption.NOFOLLOW_LINKS) && PrivateDirectory.check(directory).isEmpty()) {
            return loadOwn(f, op, parse);
        }
        String resource = SHIPPED + f.getFileName();
        InputStream shipped = TuningStore.class.getResourceAsStream(resource);
        if (shipped == null) return Optional.empty();
        try (Reader in = new InputStreamReader(shipped, StandardCharsets.UTF_8)) {
            Optional<T> t = parse(in, resource, op, parse);
            t.ifPresent(x -> log.debug("{} tuning for {} shipped in {}", op, d.label(), resource));
            return t;
        } catch (IOException e) {
            log.warn("ignoring the shipped {} tuning {} ({}); using the default", op, resource, e.toString());
            return Optional.empty();
        }
    }

    private static <T> Optional<T> loadOwn(Path f, String op, Function<Properties, T> parse) {
        try {
            Optional<String> problem = PrivateDirectory.fileProblem(f, MAX_BYTES);
            if (problem.isPresent()) {
                log.warn("ignoring the {} tuning in {} ({}); using the default", op, f, problem.get());
                return Optional.empty();
            }
            try (Reader in = new InputStreamReader(Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS),
                    StandardCharsets.UTF_8)) {
                return parse(in, f.toString(), op, parse);
            }
        } catch (IOException e) {
            log.warn("ignoring the {} tuning in {} ({}); using the default", op, f, e.toString());
            return Optional.empty();
        }
    }

    private static <T> Optional<T> parse(Reader in, String where, String op, Function<Properties, T> parse)
            throws IOException {
        Properties p = new Properties();
        p.load(in);
        try {
            return Optional.of(parse.apply(p));
        } catch (RuntimeException e) {
            log.warn("ignoring the {} tuning in {} ({}); using the default", op, where, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Writes atomically (temporary file, then rename), with {@code comment} on top; refuses a directory that
     * {@link PrivateDirectory} does not trust, and leaves no temporary file when the write fails.
     */
    public static Path save(Path directory, String op, DeviceInfo d, Properties p, String comment) throws IOException {
        Path f = file(directory, op, d);
        Optional<String> problem = PrivateDirectory.open(directory);
        if (problem.isPresent()) throw new IOException("not saving the " + op + " tuning in " + directory + ": "
                + problem.get());
        Path tmp = Files.createTempFile(directory, op + "-tuning", ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, comment);
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return f;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static int integer(Properties p, String key) {
        return Integer.parseInt(value(p, key));
    }

    public static long longInteger(Properties p, String key) {
        return Long.parseLong(value(p, key));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) throw new IllegalArgumentException("missing " + key);
        return v.trim();
    }
}
