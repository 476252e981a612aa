package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.clengine.testing.ChildJvm;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the program cache with every {@link CacheMutation} in turn, each case in a copy of a good cache opened by a
 * child JVM that runs batch norm's verify rows on it: every case must end in correct kernels, from disk or rebuilt
 * as expected, or in a refused directory, never in a crash, a hang, a wrong row or a damaged directory. A case that
 * kills its child is counted as a crash and the next child goes on after it. CI runs {@value #CI_CASES} cases;
 * {@code -Dclengine.fuzz.cases=N} runs N. The tally goes to {@code target/fuzz-reports/program-cache.txt}.
 */
class ProgramCacheFuzzTest {
    static final int CI_CASES = 132;
    private static final int CASES_PER_CHILD = 100;

    @Test
    void everyDamagedPlantedOrForeignEntryEndsInCorrectKernelsOrARebuild(@TempDir Path work) throws Exception {
        TestBackends.openCl(); // skip (or fail under CI) without OpenCL
        int cases = Integer.getInteger("clengine.fuzz.cases", CI_CASES);
        long seed = TestBackends.seed();
        long start = System.nanoTime();
        Path pristine = work.resolve("pristine");
        ChildJvm.Result prepared = ChildJvm.run(CacheFuzzChild.class, Map.of(), 300, "prepare", pristine.toString());
        assertEquals(0, prepared.exitCode(), prepared.output());
        Tally tally = new Tally();
        for (int next = 0; next < cases; ) {
            int count = Math.min(CASES_PER_CHILD, cases - next);
            ChildJvm.Result r = ChildJvm.run(CacheFuzzChild.class, Map.of(), 120 + 70L * count, "run",
                    pristine.toString(), work.toString(), Long.toString(seed), Integer.toString(next),
                    Integer.toString(count));
            next = tally.read(r, next, count);
        }
        tally.write(seed, cases, (System.nanoTime() - start) / 1e9);
        assertEquals(cases, tally.total(), "every case ran once: " + tally.problems);
        assertTrue(tally.problems.isEmpty(), "seed " + seed + " (-Dclengine.seed=" + seed + " repeats it): "
                + String.join("\n", tally.problems));
    }

    /** Outcomes by mutation, and every case that crashed, hung, gave a wrong row or failed a check. */
    private static final class Tally {
        final Map<String, Map<String, Integer>> counts = new TreeMap<>();
        final List<String> problems = new ArrayList<>();

        /** Reads one child's lines; returns the case to go on from. */
        int read(ChildJvm.Result r, int first, int count) {
            int next = first;
            String started = null;
            for (String line : r.output().lines().toList()) {
                String[] w = line.split(" ", 4);
                if (w[0].equals("START")) {
                    started = line;
                } else if (w[0].equals("CASE")) {
                    add(w[2], w[3].split(" ")[0], line);
                    next = Integer.parseInt(w[1]) + 1;
                    started = null;
                }
            }
            if (next == first + count && r.exitCode() == 0) return next;
            String[] w = started != null ? started.split(" ") : new String[] {"START", "" + next, "(before any)"};
            boolean hang = r.timedOut() || r.output().contains("HANG " + w[1]);
            add(w[2], hang ? "HANG" : "CRASH", "case " + w[1] + " " + w[2] + (hang ? " hung" : " killed the JVM")
                    + " (exit " + r.exitCode() + "): " + tail(r.output()));
            return Integer.parseInt(w[1]) + 1;
        }

        void add(String mutation, String outcome, String line) {
            counts.computeIfAbsent(mutation, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
            if (!List.of("loaded", "rebuilt", "refused", "SKIPPED").contains(outcome)) problems.add(line);
        }

        int total() {
            return counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
        }

        void write(long seed, int cases, double seconds) throws IOException {
            StringBuilder s = new StringBuilder(String.format(java.util.Locale.ROOT,
                    "program cache fuzz: %d cases, seed %d, %.1f s, %d problems%n", cases, seed, seconds,
                    problems.size()));
            counts.forEach((m, c) -> s.append(String.format("%-28s %s%n", m, c)));
            problems.forEach(p -> s.append(p).append('\n'));
            Path dir = Files.createDirectories(Path.of("target", "fuzz-reports"));
            Files.writeString(dir.resolve("program-cache.txt"), s);
        }

        private static String tail(String output) {
            return output.length() <= 2000 ? output : output.substring(output.length() - 2000);
        }
    }
}
