package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The disk side of the program cache without a device: what it loads, what it refuses, what it leaves behind. */
class ProgramStoreTest {
    private static final ProgramKey A = ProgramEntryTest.KEY;
    private static final ProgramKey B = new ProgramKey(A.platform(), A.platformVersion(), A.device(), A.vendor(),
            A.driver(), A.file(), "-DAFFINE=0 -DFUSE=1", A.sourceSha256());
    private static final byte[] BIN_A = {1, 2, 3};
    private static final byte[] BIN_B = {4, 5, 6, 7};

    private final Logger logger = (Logger) LoggerFactory.getLogger(PrivateDirectory.class);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Level before;

    @BeforeEach
    void listen() {
        before = logger.getLevel();
        logger.setLevel(Level.WARN);
        logger.setAdditive(false);
        events.start();
        logger.addAppender(events);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(events);
        logger.setLevel(before);
        logger.setAdditive(true);
    }

    @Test
    void loadsExactlyTheKeyItStored(@TempDir Path parent) throws IOException {
        Path dir = parent.resolve("cache");
        ProgramStore s = new ProgramStore(dir);
        s.store(A, BIN_A);
        s.store(B, BIN_B);
        assertArrayEquals(BIN_A, new ProgramStore(dir).load(A).orElseThrow());
        assertEquals("rwx------", perms(dir), "a new cache directory is the user's alone");
        assertEquals("rw-------", perms(dir.resolve(CacheSecret.FILE)));
    }

    /** Swapped entries, and a genuine entry of other options planted under a name, are deleted, not loaded. */
    @Test
    void swappedAndPlantedEntriesAreNotLoaded(@TempDir Path dir) throws IOException {
        ProgramStore s = new ProgramStore(dir);
        s.store(A, BIN_A);
        s.store(B, BIN_B);
        Path a = dir.resolve(A.fileName());
        Path b = dir.resolve(B.fileName());
        Path t = dir.resolve("t");
        Files.move(a, t);
        Files.move(b, a);
        Files.move(t, b);
        assertEquals(Optional.empty(), s.load(A));
        assertEquals(Optional.empty(), s.load(B));
        assertFalse(Files.exists(a) || Files.exists(b), "the wrong entries are deleted");
        s.store(B, BIN_B);
        Files.copy(b, a); // B's genuine entry planted under A's name
        assertEquals(Optional.empty(), s.load(A));
        assertArrayEquals(BIN_B, s.load(B).orElseThrow());
    }

    /** A link, a FIFO (whose opening would block), an entry writable by others or over the size limit. */
    @Test
    void entriesThatAreNotPrivateRegularFilesAreRefused(@TempDir Path dir) throws Exception {
        ProgramStore s = new ProgramStore(dir);
        s.store(A, BIN_A);
        Path a = dir.resolve(A.fileName());
        Path elsewhere = Files.move(a, dir.resolve("elsewhere"));
        Files.createSymbolicLink(a, elsewhere);
        assertEquals(Optional.empty(), s.load(A), "a symbolic link to a valid entry");
        mkfifo(a);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertEquals(Optional.empty(), s.load(A)), "FIFO");
        Files.copy(elsewhere, a);
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(Optional.empty(), s.load(A), "writable by others");
        try (var f = new java.io.RandomAccessFile(a.toFile(), "rw")) {
            f.setLength(ProgramEntry.MAX_BYTES + 1); // sparse: nothing is written, and nothing must be read
        }
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.empty(), s.load(A), "larger than the limit");
    }

    @Test
    void aDirectoryWritableByOthersIsRefusedOnceAndLeftAlone(@TempDir Path parent) throws IOException {
        Path dir = Files.createDirectory(parent.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        ProgramStore s = new ProgramStore(dir);
        s.store(A, BIN_A);
        assertEquals(Optional.empty(), s.load(A));
        assertEquals(Optional.of("it is writable by group and others (mode 0777)"), s.refused());
        new ProgramStore(dir).load(A);
        assertEquals(List.of(), list(dir), "nothing is written to a refused directory");
        assertEquals(1, events.list.size(), "said once: " + events.list);
        String message = events.list.get(0).getFormattedMessage();
        assertTrue(message.contains(dir.toString()) && message.contains("mode 0777"), message);
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused(@TempDir Path parent) throws IOException {
        assumeTrue(PrivateDirectory.currentUid().equals(Optional.of(0)), "only root can give a directory away");
        Path dir = Files.createDirectory(parent.resolve("theirs"));
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertTrue(new ProgramStore(dir).refused().orElseThrow().contains("is owned by uid 65534"));
    }

    @Test
    void aLinkedDirectoryOrOneUnderAnOpenParentIsRefused(@TempDir Path parent) throws IOException {
        Path real = parent.resolve("real");
        new ProgramStore(real).store(A, BIN_A);
        Path link = Files.createSymbolicLink(parent.resolve("link"), real);
        assertEquals(Optional.of("it is a symbolic link"), new ProgramStore(link).refused());
        Path open = Files.createDirectory(parent.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        String why = new ProgramStore(open.resolve("cache")).refused().orElseThrow();
        assertTrue(why.contains("the directory above it, " + open) && why.contains("not sticky"), why);
        Files.setAttribute(open, "unix:mode", 01777); // like /tmp: others cannot rename what is ours
        assertEquals(Optional.empty(), new ProgramStore(open.resolve("cache2")).refused());
    }

    /** A key file others may read, or a link, is replaced: entries signed with the old key are rebuilt. */
    @Test
    void anExposedKeyIsReplaced(@TempDir Path dir) throws IOException {
        new ProgramStore(dir).store(A, BIN_A);
        Path key = dir.resolve(CacheSecret.FILE);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(Optional.empty(), new ProgramStore(dir).load(A));
        assertEquals("rw-------", perms(key));
        new ProgramStore(dir).store(A, BIN_A);
        Path other = Files.move(key, dir.resolve("other.key"));
        Files.createSymbolicLink(key, other);
        assertEquals(Optional.empty(), new ProgramStore(dir).load(A));
        assertFalse(Files.isSymbolicLink(key));
    }

    /** A failed write (here: a directory where the entry goes) deletes its temporary file. */
    @Test
    void aFailedWriteLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve(A.fileName()).resolve("blocker"));
        new ProgramStore(dir).store(A, BIN_A);
        assertEquals(List.of(), list(dir).stream().filter(f -> f.endsWith(".tmp")).toList());
    }

    /** On a real full disk (a 64 KiB tmpfs, where mounting one is allowed): no *.tmp, and what fits still works. */
    @Test
    void aFullDiskLeavesNoTemporaryFile(@TempDir Path parent) throws Exception {
        Path tiny = Files.createDirectory(parent.resolve("tiny"));
        assumeTrue(command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", tiny.toString()) == 0,
                "cannot mount a tmpfs here");
        try {
            ProgramStore s = new ProgramStore(tiny);
            s.store(A, new byte[256 * 1024]);
            assertEquals(List.of(CacheSecret.FILE), list(tiny));
            s.store(B, BIN_B);
            assertArrayEquals(BIN_B, s.load(B).orElseThrow(), "what fits is still stored");
            try (var fill = Files.newOutputStream(tiny.resolve("filler"))) {
                fill.write(new byte[128 * 1024]);
            } catch (IOException full) {
                // the disk is full now
            }
            DeviceInfo d = TuningStoreTest.DEVICE;
            assertThrows(IOException.class, () -> TuningStore.save(tiny, "op", d, new java.util.Properties(), "x"));
            assertEquals(List.of(B.fileName(), CacheSecret.FILE, "filler"), list(tiny), "no *.tmp");
        } finally {
            command("umount", tiny.toString());
        }
    }

    private static int command(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static void mkfifo(Path p) throws IOException, InterruptedException {
        Files.deleteIfExists(p);
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor(), "mkfifo");
    }
}
