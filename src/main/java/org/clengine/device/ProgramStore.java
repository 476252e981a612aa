package org.clengine.device;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk side of the program cache: one entry per {@link ProgramKey}, {@code KEYHASH.bin}, in a directory that
 * {@link PrivateDirectory} trusts. An entry is used only when it is a regular file of the user's, its MAC holds under
 * the cache's secret and its key is exactly the one asked for; anything else is deleted with a warning and the
 * caller rebuilds. Entries are written to a temporary file that is renamed into place, so a JVM building at the
 * same time never reads half a file, and deleted when the write fails (a full disk leaves no {@code *.tmp}).
 */
final class ProgramStore {
    private static final Logger log = LoggerFactory.getLogger(ProgramStore.class);
    /** A temporary file this old was left by a JVM that died while writing it. */
    private static final Duration STALE = Duration.ofHours(1);

    private final Path directory;
    private byte[] secret;
    private String refused;
    private boolean storeFailureWarned;

    ProgramStore(Path directory) {
        this.directory = directory;
    }

    /** Whether the directory is used; decided on the first call (it is created if missing, then checked). */
    boolean usable() {
        if (secret == null && refused == null) open();
        return refused == null;
    }

    /** Why the directory is not used, if it is not. */
    Optional<String> refused() {
        usable();
        return Optional.ofNullable(refused);
    }

    private void open() {
        Optional<String> problem = PrivateDirectory.open(directory);
        if (problem.isPresent()) {
            refused = problem.get();
            return;
        }
        try {
            secret = CacheSecret.load(directory);
            deleteStaleTemporaries();
        } catch (IOException e) {
            refused = "its key could not be read or made (" + e + ")";
            log.warn("not using the program cache directory {}: {}; programs are built in memory", directory, refused);
        }
    }

    /** The binary of exactly {@code key}, or empty: no entry, or a bad one (deleted, with a warning). */
    Optional<byte[]> load(ProgramKey key) {
        if (!usable()) return Optional.empty();
        Path entry = directory.resolve(key.fileName());
        try {
            Optional<String> problem = PrivateDirectory.fileProblem(entry, ProgramEntry.MAX_BYTES);
            if (problem.isPresent()) return discard(key, problem.get());
            ProgramEntry.Contents c = ProgramEntry.decode(read(entry), secret);
            if (!c.key().equals(key)) return discard(key, "it was built for " + key.difference(c.key()));
            return Optional.of(c.binary());
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            return discard(key, "it cannot be read (" + e + ")");
        } catch (IllegalArgumentException e) {
            return discard(key, e.getMessage());
        }
    }

    /** Deletes the entry of {@code key}, saying why; always empty, for {@link #load}'s callers. */
    Optional<byte[]> discard(ProgramKey key, String why) {
        Path entry = directory.resolve(key.fileName());
        log.warn("not using program cache entry {} (kernels/{} [{}]): {}; rebuilding it", entry, key.file(),
                key.options(), why);
        try {
            Files.deleteIfExists(entry);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", entry, e.toString());
        }
        return Optional.empty();
    }

    /** Stores {@code binary} as the entry of {@code key}; a failure is logged (once) and leaves nothing behind. */
    void store(ProgramKey key, byte[] binary) {
        if (!usable()) return;
        Path tmp = null;
        try {
            tmp = Files.createTempFile(directory, "entry", ".tmp");
            Files.write(tmp, ProgramEntry.encode(key, binary, secret));
            Files.move(tmp, directory.resolve(key.fileName()), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            if (!storeFailureWarned) {
                storeFailureWarned = true;
                log.warn("could not store a program in the cache {} ({}); programs that are not stored are rebuilt "
                        + "by the next JVM. Further failures are not reported", directory, e.toString());
            }
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static byte[] read(Path entry) throws IOException {
        try (InputStream in = Files.newInputStream(entry, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes((int) ProgramEntry.MAX_BYTES + 1);
            if (bytes.length > ProgramEntry.MAX_BYTES) throw new IOException("it grew past the limit while read");
            return bytes;
        }
    }

    private void deleteStaleTemporaries() throws IOException {
        Instant before = Instant.now().minus(STALE);
        try (DirectoryStream<Path> tmps = Files.newDirectoryStream(directory, "*.tmp")) {
            for (Path t : tmps) {
                if (Files.getLastModifiedTime(t, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                    deleteQuietly(t);
                }
            }
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary file that cannot be deleted is retried as stale by the next JVM
        }
    }
}
