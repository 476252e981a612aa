package org.clengine.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test the program cache and the tuning store put their directory to before they read anything from it, as ssh
 * does for its keys: device binaries from it are handed to the driver, so whoever can write there can crash or
 * subvert the process. A directory is trusted when it is a real directory (not a symbolic link), owned by the user
 * the JVM runs as, and writable by nobody else; each directory above it must be owned by that user or root and be
 * writable by nobody else unless it is sticky (like /tmp), or another user could rename it away and put their own
 * in its place. A file in it is trusted when it is a regular file (not a link, FIFO or device), owned by the user,
 * writable by nobody else and not larger than its reader's limit. On a file system without Unix attributes nothing
 * can be checked and everything is trusted.
 */
final class PrivateDirectory {
    private static final Logger log = LoggerFactory.getLogger(PrivateDirectory.class);
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;
    private static final int ROOT = 0;
    private static final Set<Path> warned = ConcurrentHashMap.newKeySet();

    private PrivateDirectory() {
    }

    /**
     * Creates {@code dir} (and missing parents) readable by the user only if it is missing, then checks it; empty
     * when it may be used, else why not, said once per directory and JVM as a warning.
     */
    static Optional<String> open(Path dir) {
        return warnOnce(dir, create(dir).or(() -> problem(dir)));
    }

    /** As {@link #open} for a directory that must already exist: creates nothing. */
    static Optional<String> check(Path dir) {
        return warnOnce(dir, problem(dir));
    }

    private static Optional<String> warnOnce(Path dir, Optional<String> problem) {
        problem.ifPresent(why -> {
            if (warned.add(dir.toAbsolutePath().normalize())) {
                log.warn("not using the cache directory {}: {}. Programs are built in memory and not kept; tuning "
                        + "files there are ignored. Use a directory of your own that only you can write "
                        + "(chmod 700), or set -D{} / {}", dir.toAbsolutePath(), why, ProgramCache.DIR_PROPERTY,
                        ProgramCache.DIR_ENVIRONMENT);
            }
        });
        return problem;
    }

    /** Empty when {@code dir} exists and is trusted, else why it is not; creates nothing and logs nothing. */
    static Optional<String> problem(Path dir) {
        try {
            Map<String, Object> a = unix(dir);
            if (a == null) return Optional.empty();
            if ((Boolean) a.get("isSymbolicLink")) return Optional.of("it is a symbolic link");
            if (!(Boolean) a.get("isDirectory")) return Optional.of("it is not a directory");
            Optional<String> own = ownedAndPrivate(a, "it");
            if (own.isPresent()) return own;
            for (Path p = dir.toRealPath().getParent(); p != null; p = p.getParent()) {
                Optional<String> above = ancestor(p);
                if (above.isPresent()) return above;
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.of("it does not exist");
        } catch (IOException e) {
            return Optional.of("it cannot be examined (" + e + ")");
        }
    }

    /** Empty when {@code file} is a regular file the user alone can write, of at most {@code maxBytes}. */
    static Optional<String> fileProblem(Path file, long maxBytes) throws IOException {
        Map<String, Object> a = unix(file);
        if (a == null) a = Map.of("isRegularFile", Files.isRegularFile(file, NOFOLLOW), "size", Files.size(file));
        if (!(Boolean) a.get("isRegularFile")) return Optional.of("it is not a regular file");
        if (a.containsKey("uid")) {
            Optional<String> own = ownedAndPrivate(a, "it");
            if (own.isPresent()) return own;
        }
        long size = (Long) a.get("size");
        return size > maxBytes ? Optional.of("it has " + size + " bytes, more than the " + maxBytes + " allowed")
                : Optional.empty();
    }

    /** The user's uid if this file system has Unix attributes. */
    static Optional<Integer> currentUid() {
        return Uid.VALUE;
    }

    private static Optional<String> ownedAndPrivate(Map<String, Object> a, String what) {
        int uid = (Integer) a.get("uid");
        int mode = (Integer) a.get("mode");
        Optional<Integer> me = currentUid();
        if (me.isPresent() && uid != me.get()) {
            return Optional.of(what + " is owned by uid " + uid + ", not by this user (uid " + me.get() + ")");
        }
        if ((mode & GROUP_OTHER_WRITE) != 0) {
            return Optional.of(what + " is writable by " + writers(mode) + " (mode " + modeString(mode) + ")");
        }
        return Optional.empty();
    }

    private static Optional<String> ancestor(Path p) throws IOException {
        Map<String, Object> a = unix(p);
        int uid = (Integer) a.get("uid");
        int mode = (Integer) a.get("mode");
        Optional<Integer> me = currentUid();
        if (uid != ROOT && me.isPresent() && uid != me.get()) {
            return Optional.of("the directory above it, " + p + ", is owned by uid " + uid
                    + ", neither this user (uid " + me.get() + ") nor root");
        }
        if ((mode & GROUP_OTHER_WRITE) != 0 && (mode & STICKY) == 0) {
            return Optional.of("the directory above it, " + p + ", is writable by " + writers(mode) + " (mode "
                    + modeString(mode) + ") and not sticky");
        }
        return Optional.empty();
    }

    /** Creates a missing directory (0700, parents too); empty unless that failed. */
    private static Optional<String> create(Path dir) {
        if (Files.exists(dir, NOFOLLOW)) return Optional.empty();
        try {
            try {
                Files.createDirectories(dir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(dir);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("it could not be created (" + e + ")");
        }
    }

    /** The "unix" attributes without following a link, or null on a file system that has none. */
    private static Map<String, Object> unix(Path p) throws IOException {
        try {
            return Files.readAttributes(p, "unix:uid,mode,size,isSymbolicLink,isDirectory,isRegularFile", NOFOLLOW);
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            return null;
        }
    }

    private static String writers(int mode) {
        boolean group = (mode & 0020) != 0;
        boolean other = (mode & 0002) != 0;
        return group && other ? "group and others" : group ? "its group" : "others";
    }

    private static String modeString(int mode) {
        return String.format("%04o", mode & 07777);
    }

    /** Read once: the effective uid, as the owner of /proc/self (Linux) or of a file this JVM creates. */
    private static final class Uid {
        static final Optional<Integer> VALUE = read();

        private static Optional<Integer> read() {
            try {
                return Optional.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
            } catch (IOException | RuntimeException noProc) {
                return fromTemporaryFile();
            }
        }

        private static Optional<Integer> fromTemporaryFile() {
            try {
                Path probe = Files.createTempFile("clengine-uid", ".tmp");
                try {
                    return Optional.of((Integer) Files.getAttribute(probe, "unix:uid"));
                } finally {
                    Files.deleteIfExists(probe);
                }
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
