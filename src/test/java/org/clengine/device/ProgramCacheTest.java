package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.testing.ChildJvm;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk program cache across JVM starts, and the engine without OpenCL. */
class ProgramCacheTest {

    @Test
    void secondJvmLoadsFromDiskAndDamagedEntriesAreRebuilt(@TempDir Path cache) throws Exception {
        TestBackends.openCl(); // skip (or fail under CI) without OpenCL
        assertEquals("source=compiled", probe(cache));
        assertEquals("source=disk cache", probe(cache));
        List<Path> entries;
        try (Stream<Path> s = Files.list(cache)) {
            entries = s.filter(p -> p.toString().endsWith(".bin")).toList();
        }
        assertEquals(1, entries.size(), "one entry per (device, driver, file, options, source)");
        byte[] bytes = Files.readAllBytes(entries.get(0));
        Files.write(entries.get(0), java.util.Arrays.copyOf(bytes, bytes.length / 2)); // truncated
        assertEquals("source=compiled", probe(cache));
        assertEquals("source=disk cache", probe(cache));
    }

    /**
     * Issue #18: two entries swapped on disk made the next JVM run the wrong kernel (SIGSEGV in
     * batchnorm_bwd_partial). Each entry records its key now: both are rebuilt, then load again.
     */
    @Test
    void swappedEntriesAreRebuiltNotLoaded(@TempDir Path cache) throws Exception {
        TestBackends.openCl();
        String other = "-DAFFINE=0 -DFUSE=0";
        assertEquals("source=compiled", probe(cache));
        assertEquals("source=compiled", probe(cache, other));
        List<Path> two = entries(cache);
        Path t = Files.move(two.get(0), cache.resolve("t"));
        Files.move(two.get(1), two.get(0));
        Files.move(t, two.get(1));
        assertEquals("source=compiled", probe(cache));
        assertEquals("source=compiled", probe(cache, other));
        assertEquals("source=disk cache", probe(cache));
    }

    /**
     * A binary that lacks the kernel asked for (here: elementwise.cl's, signed with the cache's own key under
     * batchnorm.cl's key) is rebuilt from source instead of ending in CL_INVALID_KERNEL_NAME.
     */
    @Test
    void aKernelMissingFromALoadedBinaryRebuildsIt(@TempDir Path cache) throws Exception {
        DeviceInfo info = TestBackends.device().info();
        try (Device d = Device.open(info, cache)) {
            d.programs().program("elementwise.cl", "");
        }
        byte[] secret = Files.readAllBytes(cache.resolve(CacheSecret.FILE));
        Path elementwise = entries(cache).get(0);
        byte[] foreign = ProgramEntry.decode(Files.readAllBytes(elementwise), secret).binary();
        ProgramKey key = ProgramKey.of(info, "batchnorm.cl", CacheProbe.OPTIONS, ProgramCache.source("batchnorm.cl"));
        Files.write(cache.resolve(key.fileName()), ProgramEntry.encode(key, foreign, secret));
        assertEquals("source=disk cache,compiled", probe(cache));
        assertEquals("source=disk cache", probe(cache));
    }

    /** The same entry from a directory others may write is not loaded: the program is built in memory. */
    @Test
    void anOpenDirectoryIsNotUsed(@TempDir Path cache) throws Exception {
        TestBackends.openCl();
        assertEquals("source=compiled", probe(cache));
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals("source=compiled", probe(cache));
        assertEquals(1, entries(cache).size());
    }

    private static List<Path> entries(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> p.toString().endsWith(".bin")).sorted().toList();
        }
    }

    /** Two JVMs building into one empty cache at once: both succeed, the entry is whole, the directory is 0700. */
    @Test
    void concurrentJvmsNeverReadHalfAnEntry(@TempDir Path parent) throws Exception {
        TestBackends.openCl();
        Path cache = parent.resolve("cache");
        for (int round = 0; round < 3; round++) {
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> probeQuietly(cache));
            var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> probeQuietly(cache));
            for (String r : List.of(first.get(), second.get())) {
                assertTrue(r.equals("source=compiled") || r.equals("source=disk cache"), r);
            }
        }
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> files = s.toList();
            assertEquals(2, files.size(), "one whole entry, the key and no temporary files left: " + files);
            Path entry = files.stream().filter(f -> f.toString().endsWith(".bin")).findFirst().orElseThrow();
            byte[] secret = Files.readAllBytes(cache.resolve(CacheSecret.FILE));
            assertTrue(ProgramEntry.decode(Files.readAllBytes(entry), secret).binary().length > 0);
        }
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cache)));
    }

    private static String probeQuietly(Path cache) {
        try {
            return probe(cache);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static String probe(Path cache, String... options) throws IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(List.of(cache.toString()));
        args.addAll(List.of(options));
        ChildJvm.Result r = ChildJvm.run(CacheProbe.class, Map.of(), args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.output());
        return r.output().lines().filter(l -> l.startsWith("source=")).findFirst().orElse(r.output());
    }

    /** With the ICD loader pointed at an empty vendors directory the engine says so; the reference still works. */
    @Test
    void withoutOpenClTheMessageIsClearAndTheReferenceWorks(@TempDir Path empty) throws Exception {
        ChildJvm.Result r = ChildJvm.run(NoOpenClProbe.class, Map.of("OCL_ICD_VENDORS", empty.toString()));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("no OpenCL platform found") && r.output().contains("pocl-opencl-icd"),
                r.output());
        assertTrue(r.output().contains("reference sum=6.0"), r.output());
    }

    /** Child-JVM probe: tries OpenCL, prints the message, then uses the reference backend. */
    public static final class NoOpenClProbe {
        public static void main(String[] args) {
            try {
                DeviceManager.devices();
                System.out.println("OpenCL unexpectedly available");
            } catch (OpenClUnavailableException e) {
                System.out.println(e.getMessage());
            }
            try (Tensor t = org.clengine.core.Memory.HOST.tensor(new float[] {1, 2, 3}, 3)) {
                float sum = 0;
                for (float v : t.toArray()) sum += v;
                System.out.println("reference sum=" + sum);
            }
        }
    }
}
