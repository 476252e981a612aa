package org.clengine.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What the cache fuzzer does to a copy of a good cache before a device opens it: what an attacker who can write the
 * directory, a careless copy, a full disk or a dying JVM could leave there. Each returns what must follow: which
 * batch norm programs must be rebuilt (the rest load from disk), or that the directory must be refused.
 */
enum CacheMutation {
    NONE(c -> c.expect()),
    SWAP(c -> {
        List<ProgramKey> two = c.targets(2);
        Path a = c.entry(two.get(0));
        Path b = c.entry(two.get(1));
        Path t = Files.move(a, c.dir.resolve("swap"));
        Files.move(b, a);
        Files.move(t, b);
        return c.expect(two.get(0), two.get(1));
    }),
    PLANT_OPTIONS(c -> {
        List<ProgramKey> two = c.targets(2);
        Files.copy(c.entry(two.get(1)), c.entry(two.get(0)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return c.expect(two.get(0));
    }),
    PLANT_FILE(c -> c.write(c.target(), c.m.entry(c.m.foreign))),
    PLANT_DEVICE(c -> {
        ProgramKey t = c.target();
        ProgramKey other = new ProgramKey(t.platform(), t.platformVersion(), t.device() + " (another)", t.vendor(),
                t.driver(), t.file(), t.options(), t.sourceSha256());
        return c.write(t, ProgramEntry.encode(other, c.m.binary(t), c.m.secret));
    }),
    TRUNCATE(c -> {
        byte[] e = c.m.entry(c.target());
        return c.write(c.target(), Arrays.copyOf(e, c.r.nextInt(e.length)));
    }),
    BIT_FLIP(c -> {
        byte[] e = c.m.entry(c.target()).clone();
        for (int i = 1 + c.r.nextInt(8); i > 0; i--) e[c.r.nextInt(e.length)] ^= (byte) (1 << c.r.nextInt(8));
        return c.write(c.target(), e);
    }),
    /** A valid binary of another kernel file under this key, signed by someone without the secret. */
    FOREIGN_BINARY(c -> c.write(c.target(), c.outsider(c.target(), c.m.binary(c.m.foreign)))),
    GARBAGE(c -> {
        byte[] g = new byte[1 + c.r.nextInt(2 * c.m.binary(c.target()).length)];
        c.r.nextBytes(g);
        return c.write(c.target(), c.outsider(c.target(), g));
    }),
    /** The driver's own header, then garbage or nothing: what aborts PoCL 3.1 inside the driver. */
    GARBAGE_AFTER_DRIVER_HEADER(c -> {
        byte[] b = c.m.binary(c.target());
        byte[] g = Arrays.copyOf(b, 40 + c.r.nextInt(Math.min(b.length, 4096)));
        if (c.r.nextBoolean()) for (int i = 40; i < g.length; i++) g[i] = (byte) c.r.nextInt();
        return c.write(c.target(), c.outsider(c.target(), g));
    }),
    /** The right entry, as another user's cache (another secret) wrote it. */
    FOREIGN_CACHE(c -> c.write(c.target(), ProgramEntry.encode(c.target(), c.m.binary(c.target()),
            ProgramEntryTest.secret(c.r.nextLong())))),
    /** Signed with the right secret but holding another file's binary: loads, lacks the kernel, is rebuilt. */
    KERNEL_MISSING(c -> c.write(c.target(), ProgramEntry.encode(c.target(), c.m.binary(c.m.foreign), c.m.secret))),
    KEY_REPLACED(c -> {
        Files.write(c.dir.resolve(CacheSecret.FILE), ProgramEntryTest.secret(c.r.nextLong()));
        return c.expect(c.m.targets.toArray(ProgramKey[]::new));
    }),
    KEY_EXPOSED(c -> {
        Files.setPosixFilePermissions(c.dir.resolve(CacheSecret.FILE), PosixFilePermissions.fromString("rw-r--r--"));
        return c.expect(c.m.targets.toArray(ProgramKey[]::new));
    }),
    ENTRY_SYMLINK(c -> {
        ProgramKey t = c.target();
        Path elsewhere = Files.move(c.entry(t), c.dir.resolveSibling(c.dir.getFileName() + "-elsewhere.bin"));
        Files.createSymbolicLink(c.entry(t), elsewhere);
        return c.expect(t);
    }),
    ENTRY_FIFO(c -> {
        ProgramKey t = c.target();
        ProgramStoreTest.mkfifo(c.entry(t));
        return c.expect(t);
    }),
    ENTRY_WRITABLE(c -> {
        ProgramKey t = c.target();
        Files.setPosixFilePermissions(c.entry(t), PosixFilePermissions.fromString("rw-rw-rw-"));
        return c.expect(t);
    }),
    ENTRY_OTHER_OWNER(c -> {
        ProgramKey t = c.target();
        Files.setOwner(c.entry(t), c.nobody());
        return c.expect(t);
    }),
    DIR_OPEN(c -> {
        Files.setPosixFilePermissions(c.dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return c.refused(c.dir);
    }),
    DIR_OTHER_OWNER(c -> {
        Files.setOwner(c.dir, c.nobody());
        return c.refused(c.dir);
    }),
    DIR_SYMLINK(c -> c.refused(Files.createSymbolicLink(c.dir.resolveSibling(c.dir.getFileName() + "-link"), c.dir))),
    PARENT_OPEN(c -> {
        Path parent = Files.createDirectory(c.dir.resolveSibling(c.dir.getFileName() + "-open"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        return c.refused(Files.move(c.dir, parent.resolve("cache")));
    });

    /** A mutation's body. */
    interface Body {
        Expect apply(Case c) throws IOException, InterruptedException;
    }

    /** What must follow: the directory to open, whether it is refused, the programs rebuilt from source. */
    record Expect(Path open, boolean refused, Set<String> rebuiltOptions) {
    }

    /** The good cache every case starts from, read once: its secret, entries, batch norm keys and a foreign file. */
    record Material(byte[] secret, Map<ProgramKey, byte[]> entries, List<ProgramKey> targets, ProgramKey foreign) {
        static Material read(Path pristine) throws IOException {
            byte[] secret = Files.readAllBytes(pristine.resolve(CacheSecret.FILE));
            Map<ProgramKey, byte[]> entries = new HashMap<>();
            try (var files = Files.list(pristine)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".bin")).toList()) {
                    byte[] e = Files.readAllBytes(f);
                    entries.put(ProgramEntry.decode(e, secret).key(), e);
                }
            }
            List<ProgramKey> targets = entries.keySet().stream().filter(k -> k.file().equals("batchnorm.cl"))
                    .sorted(java.util.Comparator.comparing(ProgramKey::options)).toList();
            ProgramKey foreign = entries.keySet().stream().filter(k -> !k.file().equals("batchnorm.cl")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no entry of another kernel file in " + pristine));
            return new Material(secret, entries, targets, foreign);
        }

        byte[] entry(ProgramKey k) {
            return entries.get(k);
        }

        byte[] binary(ProgramKey k) {
            return ProgramEntry.decode(entries.get(k), secret).binary();
        }
    }

    /** One case: the directory (a copy of the good cache), its randomness and the material. */
    static final class Case {
        final Path dir;
        final Random r;
        final Material m;
        private ProgramKey target;

        Case(Path dir, Random r, Material m) {
            this.dir = dir;
            this.r = r;
            this.m = m;
        }

        ProgramKey target() {
            if (target == null) target = m.targets.get(r.nextInt(m.targets.size()));
            return target;
        }

        List<ProgramKey> targets(int n) {
            List<ProgramKey> shuffled = new java.util.ArrayList<>(m.targets);
            java.util.Collections.shuffle(shuffled, r);
            return shuffled.subList(0, n);
        }

        Path entry(ProgramKey k) {
            return dir.resolve(k.fileName());
        }

        Expect write(ProgramKey k, byte[] entry) throws IOException {
            Files.write(entry(k), entry);
            return expect(k);
        }

        /** An entry for {@code k} made by someone without the secret: MAC under another key, or plain SHA-256. */
        byte[] outsider(ProgramKey k, byte[] binary) {
            byte[] e = ProgramEntry.encode(k, binary, ProgramEntryTest.secret(r.nextLong()));
            return r.nextBoolean() ? ProgramEntryTest.withSha256(e) : e;
        }

        UserPrincipal nobody() throws IOException {
            return dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        }

        Expect expect(ProgramKey... rebuilt) {
            return new Expect(dir, false, Set.copyOf(Arrays.stream(rebuilt).map(ProgramKey::options).toList()));
        }

        Expect refused(Path open) {
            return new Expect(open, true, Set.copyOf(m.targets.stream().map(ProgramKey::options).toList()));
        }
    }

    private final Body body;

    CacheMutation(Body body) {
        this.body = body;
    }

    Expect apply(Case c) throws IOException, InterruptedException {
        return body.apply(c);
    }

    /** Whether this mutation needs root (it gives a file away to another user). */
    boolean needsRoot() {
        return this == ENTRY_OTHER_OWNER || this == DIR_OTHER_OWNER;
    }
}
