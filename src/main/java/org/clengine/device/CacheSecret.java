package org.clengine.device;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The program cache's secret: 32 random bytes in {@code DIR/cache.key}, readable by the user alone (0600), made the
 * first time the directory is used. Entries carry a MAC under it ({@link ProgramEntry}), so an entry someone else
 * wrote, or copied from another cache, is never handed to the driver. A key file that is not a regular 32-byte file
 * of the user's with no access for others is replaced; the entries written under the old key are then rebuilt.
 */
final class CacheSecret {
    static final String FILE = "cache.key";
    static final int BYTES = 32;
    private static final Logger log = LoggerFactory.getLogger(CacheSecret.class);
    private static final SecureRandom random = new SecureRandom();

    private CacheSecret() {
    }

    /** The secret of the trusted directory {@code dir}, made (or remade) if need be. */
    static byte[] load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        Optional<String> problem;
        try {
            problem = problem(file);
            if (problem.isEmpty()) return read(file);
        } catch (NoSuchFileException absent) {
            return create(file, false);
        }
        log.warn("replacing the program cache key {}: {}; entries written under the old key will be rebuilt", file,
                problem.get());
        return create(file, true);
    }

    private static Optional<String> problem(Path file) throws IOException {
        Optional<String> p = PrivateDirectory.fileProblem(file, BYTES);
        if (p.isPresent()) return p;
        if (Files.size(file) != BYTES) return Optional.of("it has " + Files.size(file) + " bytes, not " + BYTES);
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (!PosixFilePermissions.fromString("rw-------").containsAll(perms)) {
                return Optional.of("others may read it (" + PosixFilePermissions.toString(perms) + ")");
            }
        } catch (UnsupportedOperationException notPosix) {
            // nothing more to check on this file system
        }
        return Optional.empty();
    }

    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] secret = in.readNBytes(BYTES + 1);
            if (secret.length != BYTES) throw new IOException(file + " changed while it was read");
            return secret;
        }
    }

    /**
     * Writes a fresh secret to a temporary file and links it into place, so that of two JVMs making the key at
     * once both end up with the one that was linked first; {@code replace} renames it over a bad key instead.
     */
    private static byte[] create(Path file, boolean replace) throws IOException {
        byte[] secret = new byte[BYTES];
        random.nextBytes(secret);
        Path tmp = Files.createTempFile(file.getParent(), FILE, ".tmp"); // 0600 on POSIX file systems
        try {
            Files.write(tmp, secret);
            if (replace) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return secret;
            }
            try {
                Files.createLink(file, tmp);
                return secret;
            } catch (FileAlreadyExistsException anotherJvmWasFirst) {
                return load(file.getParent());
            } catch (UnsupportedOperationException | IOException noHardLinks) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                return secret;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
