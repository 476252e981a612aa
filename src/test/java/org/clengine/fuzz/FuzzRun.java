package org.clengine.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One fuzzer's run: its budget, its seeded random source, and what its cases came to. Bounded for CI by a case
 * count and a time budget, whichever ends first; {@code -Dclengine.fuzz.cases=N} and {@code
 * -Dclengine.fuzz.seconds=S} give a longer run, {@code -Dclengine.seed} repeats one. Prints nothing: the tally goes
 * to {@code target/fuzz/NAME.txt} and, on a failure, into the assertion message with the seed.
 */
final class FuzzRun {
    private final String name;
    private final long seed;
    private final int cases;
    private final long deadline;
    private final long start = System.nanoTime();
    final SplittableRandom random;
    private int done;
    private int ran;
    private int refused;
    private int recordOnly;
    private final List<String> failures = new ArrayList<>();

    FuzzRun(String name, int ciCases, int ciSeconds) {
        this.name = name;
        String s = System.getProperty("clengine.seed");
        this.seed = s != null ? Long.parseLong(s) : System.nanoTime();
        this.cases = Integer.getInteger("clengine.fuzz.cases", ciCases);
        this.deadline = start + Long.getLong("clengine.fuzz.seconds", ciSeconds) * 1_000_000_000L;
        this.random = new SplittableRandom(seed);
    }

    /** Whether another case fits the budget; counts it. */
    boolean next() {
        if (done >= cases || System.nanoTime() > deadline) return false;
        done++;
        return true;
    }

    /** The call ran on both backends and their outputs agreed. */
    void ran() {
        ran++;
    }

    /** Both backends refused the call with the same message (or the record refused its values). */
    void refused() {
        refused++;
    }

    /** A valid shape too large to allocate here: its record's arithmetic was checked, no op ran. */
    void recordOnly() {
        recordOnly++;
    }

    void fail(String what) {
        if (failures.size() < 20) failures.add(what);
        else if (failures.size() == 20) failures.add("...");
    }

    int done() {
        return done;
    }

    /** Writes the tally and fails with every failure seen, and the seed that repeats them. */
    void finish() {
        double seconds = (System.nanoTime() - start) / 1e9;
        String tally = String.format(Locale.ROOT, "%s: %d cases in %.1f s (seed %d): %d ran and matched, %d refused "
                + "alike, %d record only, %d failed", name, done, seconds, seed, ran, refused, recordOnly,
                failures.isEmpty() ? 0 : failures.size());
        try {
            Path dir = Path.of("target", "fuzz");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".txt"), tally + System.lineSeparator());
        } catch (IOException e) {
            // the tally is for people; the assertion below is the test
        }
        assertTrue(failures.isEmpty(),
                () -> tally + " (-Dclengine.seed=" + seed + "):\n" + String.join("\n", failures));
        assertTrue(done > 0, tally);
    }
}
