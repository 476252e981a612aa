package org.clengine.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** What the cache fuzzer checks after a case: where each program came from and what the directory holds now. */
final class CacheStates {
    private CacheStates() {
    }

    /** Null when the case ended as {@code e} says, else what differs. */
    static String check(CacheMutation.Expect e, CacheMutation.Material m, List<ProgramCache.BuildRecord> records,
            Optional<String> refused, List<String> before) throws IOException {
        if (refused.isPresent() != e.refused()) {
            return "the directory was " + (refused.isPresent() ? "refused (" + refused.get() + ")" : "used");
        }
        for (ProgramKey t : m.targets()) {
            List<String> sources = records.stream().filter(r -> r.options().equals(t.options()))
                    .map(ProgramCache.BuildRecord::source).toList();
            String expected = e.rebuiltOptions().contains(t.options()) ? "compiled" : "disk cache";
            if (sources.isEmpty() || !sources.get(sources.size() - 1).equals(expected)) {
                return "[" + t.options() + "] came from " + sources + ", expected " + expected;
            }
        }
        if (e.refused()) {
            List<String> after = listing(e.open());
            return after.equals(before) ? null : "a refused directory was written: " + before + " -> " + after;
        }
        return wholeEntries(e.open(), m);
    }

    /**
     * Every entry a regular file and no *.tmp; every batch norm program stored again, signed with the directory's
     * key under its own key's name. (Entries the case did not use may still be signed with a key since replaced:
     * they are rebuilt when used.)
     */
    private static String wholeEntries(Path dir, CacheMutation.Material m) throws IOException {
        for (String name : listing(dir)) {
            if (name.endsWith(".tmp")) return "a temporary file was left: " + name;
            if (!Files.isRegularFile(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                return name + " is not a regular file";
            }
        }
        byte[] secret = Files.readAllBytes(dir.resolve(CacheSecret.FILE));
        for (ProgramKey t : m.targets()) {
            Path f = dir.resolve(t.fileName());
            if (!Files.exists(f)) return "the program [" + t.options() + "] was not stored again";
            try {
                ProgramKey k = ProgramEntry.decode(Files.readAllBytes(f), secret).key();
                if (!k.equals(t)) return f.getFileName() + " holds the entry of " + k;
            } catch (IllegalArgumentException bad) {
                return f.getFileName() + " is left damaged: " + bad.getMessage();
            }
        }
        return null;
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
