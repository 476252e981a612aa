package org.clengine.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.batchnorm.BatchNormVerification;
import org.clengine.verify.OpVerification.Row;

/**
 * The child JVM of {@link ProgramCacheFuzzTest}, where a driver crash kills only this process. {@code prepare DIR}
 * fills a good cache (batch norm's programs for {@link #SHAPE}, and elementwise.cl as the foreign file);
 * {@code run PRISTINE WORK SEED FIRST COUNT} runs cases FIRST.. on copies of it, printing {@code START i MUTATION}
 * before each and {@code CASE i MUTATION OUTCOME} after; a case that runs past {@link #CASE_LIMIT_MS} prints
 * {@code HANG i} and halts the JVM.
 */
public final class CacheFuzzChild {
    static final String SHAPE = "mb3ic5ih7iw9";
    private static final long CASE_LIMIT_MS = 60_000;
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static volatile long caseStart;
    private static volatile int current = -1;

    private CacheFuzzChild() {
    }

    public static void main(String[] a) throws Exception {
        DeviceInfo info = DeviceManager.choose().device();
        if (a[0].equals("prepare")) {
            prepare(info, Path.of(a[1]));
            return;
        }
        Path pristine = Path.of(a[1]);
        CacheMutation.Material m = CacheMutation.Material.read(pristine);
        long seed = Long.parseLong(a[3]);
        int first = Integer.parseInt(a[4]);
        int count = Integer.parseInt(a[5]);
        watchdog();
        for (int i = first; i < first + count; i++) {
            CacheMutation mutation = CacheMutation.values()[i % CacheMutation.values().length];
            System.out.println("START " + i + " " + mutation);
            System.out.flush();
            caseStart = System.currentTimeMillis();
            current = i;
            String outcome;
            try {
                outcome = run(mutation, info, pristine, m, Path.of(a[2]).resolve("case-" + i), seed, i);
            } catch (Exception | AssertionError e) {
                outcome = "FAIL " + e;
            }
            current = -1;
            System.out.println("CASE " + i + " " + mutation + " " + outcome);
            System.out.flush();
        }
        System.out.println("END");
    }

    private static void prepare(DeviceInfo info, Path dir) {
        try (Device d = Device.open(info, dir)) {
            List<Row> failed = verify(d, 1);
            if (!failed.isEmpty()) throw new AssertionError("the good cache gives wrong results: " + failed);
            d.programs().program("elementwise.cl", "");
            System.out.println("prepared " + d.programs().records().size() + " programs");
        }
    }

    private static String run(CacheMutation mutation, DeviceInfo info, Path pristine, CacheMutation.Material m,
            Path root, long seed, int i) throws IOException, InterruptedException {
        if (mutation.needsRoot() && !PrivateDirectory.currentUid().equals(Optional.of(0))) return "SKIPPED not root";
        Path dir = copy(pristine, Files.createDirectories(root).resolve("cache"));
        CacheMutation.Expect e = mutation.apply(new CacheMutation.Case(dir, new Random(seed * 1_000_003L + i), m));
        List<String> before = e.refused() ? CacheStates.listing(e.open()) : List.of();
        List<Row> failed;
        List<ProgramCache.BuildRecord> records;
        Optional<String> refused;
        try (Device d = Device.open(info, e.open())) {
            failed = verify(d, seed + i);
            records = d.programs().records();
            refused = d.programs().refused();
        }
        if (!failed.isEmpty()) return "WRONG " + failed.size() + " rows, first " + failed.get(0);
        String problem = CacheStates.check(e, m, records, refused, before);
        deleteTree(root);
        if (problem != null) return "FAIL " + problem;
        int rebuilt = e.rebuiltOptions().size();
        return e.refused() ? "refused" : rebuilt == 0 ? "loaded" : "rebuilt " + rebuilt;
    }

    /** Every batch norm variant on {@link #SHAPE} against the reference; the rows that did not pass. */
    private static List<Row> verify(Device d, long seed) {
        OpenClBackend b = new OpenClBackend(d);
        List<Row> rows = new BatchNormVerification().run(b.batchNorm(), REFERENCE.batchNorm(), SHAPE, seed);
        if (rows.isEmpty()) throw new AssertionError("no rows verified");
        return rows.stream().filter(r -> !r.comparison().passed()).toList();
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectory(to, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        return to;
    }

    static void deleteTree(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
        }
        for (Path p : all) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
            Files.delete(p);
        }
    }

    private static void watchdog() {
        Thread t = new Thread(() -> {
            while (true) {
                int i = current;
                if (i >= 0 && System.currentTimeMillis() - caseStart > CASE_LIMIT_MS) {
                    System.out.println("HANG " + i);
                    System.out.flush();
                    Runtime.getRuntime().halt(3);
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cache-fuzz-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
