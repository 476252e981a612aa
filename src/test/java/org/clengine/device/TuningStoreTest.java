package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tuning files are read from and written to the cache directory only when it and they are the user's alone. */
class TuningStoreTest {
    static final DeviceInfo DEVICE = new DeviceInfo(0, null, null, "platform", "OpenCL 3.0", "test device",
            "vendor", "1.0", "OpenCL C 1.2", org.jocl.CL.CL_DEVICE_TYPE_CPU, 2, 1000, 1L << 30, 65536, 1L << 28, 256,
            true);
    private static final Function<Properties, String> VALUE = p -> String.valueOf(TuningStore.integer(p, "v"));

    @Test
    void roundTripsInAPrivateDirectory(@TempDir Path parent) throws IOException {
        Path dir = parent.resolve("cache");
        TuningStore.save(dir, "op", DEVICE, properties(7), "test");
        assertEquals(Optional.of("7"), TuningStore.load(dir, "op", DEVICE, VALUE));
        assertEquals("rwx------", ProgramStoreTest.perms(dir));
    }

    @Test
    void aDirectoryOthersMayWriteIsNeitherReadNorWritten(@TempDir Path dir) throws IOException {
        TuningStore.save(dir, "op", DEVICE, properties(7), "test");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(Optional.empty(), TuningStore.load(dir, "op", DEVICE, VALUE));
        var e = assertThrows(IOException.class, () -> TuningStore.save(dir, "op", DEVICE, properties(8), "test"));
        assertTrue(e.getMessage().contains("writable by group and others"), e.getMessage());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        assertEquals(Optional.of("7"), TuningStore.load(dir, "op", DEVICE, VALUE), "the refused save wrote nothing");
    }

    @Test
    void aDirectoryOfAnotherUserIsNotRead(@TempDir Path dir) throws IOException {
        assumeTrue(PrivateDirectory.currentUid().equals(Optional.of(0)), "only root can give a directory away");
        TuningStore.save(dir, "op", DEVICE, properties(7), "test");
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertEquals(Optional.empty(), TuningStore.load(dir, "op", DEVICE, VALUE));
    }

    /** A link (to /dev/zero, which never ends), a FIFO (which blocks), a file others may write: each ignored. */
    @Test
    void onlyPrivateRegularFilesAreRead(@TempDir Path dir) throws Exception {
        Path f = TuningStore.save(dir, "op", DEVICE, properties(7), "test");
        Files.delete(f);
        Files.createSymbolicLink(f, Path.of("/dev/zero"));
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertEquals(Optional.empty(), TuningStore.load(dir, "op", DEVICE, VALUE)), "link");
        ProgramStoreTest.mkfifo(f);
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertEquals(Optional.empty(), TuningStore.load(dir, "op", DEVICE, VALUE)), "FIFO");
        Files.delete(f);
        TuningStore.save(dir, "op", DEVICE, properties(7), "test");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(Optional.empty(), TuningStore.load(dir, "op", DEVICE, VALUE), "writable by others");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.write(f, new byte[TuningStore.MAX_BYTES + 1]);
        assertEquals(Optional.empty(), TuningStore.load(dir, "op", DEVICE, VALUE), "too large");
    }

    @Test
    void aFailedSaveLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path f = TuningStore.file(dir, "op", DEVICE);
        Files.createDirectories(f.resolve("blocker"));
        assertThrows(IOException.class, () -> TuningStore.save(dir, "op", DEVICE, properties(7), "test"));
        assertEquals(List.of(f.getFileName().toString()), ProgramStoreTest.list(dir));
    }

    private static Properties properties(int v) {
        Properties p = new Properties();
        p.setProperty("v", String.valueOf(v));
        return p;
    }
}
