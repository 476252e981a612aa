package org.clengine.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Seeded fuzz loops for what reads untrusted input. Case {@code i} is generated from {@code new Random(seed + i)}
 * and runs on a worker thread under a timeout. Its outcome is a clean result (the label the case returns), an
 * expected exception with a message (counted by type), or a finding: any other exception, an Error (an
 * OutOfMemoryError included), a timeout, or more heap allocated than the case's bound.
 *
 * <p>A run ends after {@code -Dclengine.fuzz.cases} cases or {@code -Dclengine.fuzz.seconds} seconds, whichever comes
 * first: CI gives it 10 s and no case limit; a long run sets both ({@code -Dclengine.fuzz.cases=1000000
 * -Dclengine.fuzz.seconds=3600}), as the shape fuzzers take them. {@code -Dclengine.seed=S} (or
 * {@code -Dclengine.fuzz.seed=S}) repeats a run, and case i of it is {@code new Random(S + i)}. The counts go to
 * {@code target/fuzz/NAME.txt}; the test prints nothing. While a case runs, {@code target/fuzz/NAME.current} holds
 * its seed, so that a case that takes the JVM down with it can still be named and repeated.
 */
public final class Fuzz {
    /** One case: runs, returns its outcome label ("ok", "skipped"), or throws. */
    public interface Case {
        String run() throws Exception;
    }

    /** A finished run: cases, outcomes by label, findings with the seed that repeats each, time, largest allocation. */
    public record Report(String name, long seed, long cases, Map<String, Long> outcomes, List<String> findings,
            double seconds, long maxAllocated) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %d cases in %.1f s (seed %d), %d findings, largest allocation "
                    + "by one case %d bytes%n  outcomes: %s%n%s", name, cases, seconds, seed, findings.size(),
                    maxAllocated, outcomes, String.join("\n", findings.subList(0, Math.min(20, findings.size()))));
        }
    }

    private Fuzz() {
    }


    /**
     * Runs cases from {@code generator} until the budget is spent.
     *
     * @param expected   the exceptions a case may end in (each must carry a message)
     * @param maxAlloc   bytes one case may allocate at most
     * @param timeoutSec seconds one case may take at most
     */
    public static Report run(String name, Function<Random, Case> generator, Predicate<Throwable> expected,
            long maxAlloc, int timeoutSec) throws InterruptedException, IOException {
        long seed = Long.getLong("clengine.fuzz.seed", TestBackends.seed());
        long asked = Long.getLong("clengine.fuzz.cases", Long.MAX_VALUE);
        long deadline = System.nanoTime() + (long) (Double.parseDouble(System.getProperty("clengine.fuzz.seconds",
                "10")) * 1e9);
        Map<String, Long> outcomes = new TreeMap<>();
        List<String> findings = new ArrayList<>();
        long start = System.nanoTime(), maxAllocated = 0, i = 0;
        Path dir = Files.createDirectories(Path.of("target", "fuzz"));
        ExecutorService worker = newWorker();
        try (java.io.RandomAccessFile current = new java.io.RandomAccessFile(dir.resolve(name + ".current").toFile(),
                "rw")) {
            for (; i < asked && System.nanoTime() < deadline; i++) {
                long caseSeed = seed + i;
                current.seek(0);
                current.writeBytes(String.format(Locale.ROOT, "%-20d%n", caseSeed));
                Future<long[]> f = worker.submit(() -> runOne(generator, caseSeed, expected, outcomes, findings));
                try {
                    long allocated = f.get(timeoutSec, TimeUnit.SECONDS)[0];
                    maxAllocated = Math.max(maxAllocated, allocated);
                    if (allocated > maxAlloc) {
                        findings.add("case seed " + caseSeed + ": allocated " + allocated + " bytes (bound " + maxAlloc
                                + ")");
                    }
                } catch (TimeoutException e) {
                    findings.add("case seed " + caseSeed + ": no result after " + timeoutSec + " s (hang)");
                    f.cancel(true);
                    worker.shutdownNow();
                    worker = newWorker(); // the stuck thread is a daemon; the next case gets a fresh one
                } catch (java.util.concurrent.ExecutionException e) {
                    findings.add("case seed " + caseSeed + ": harness " + e.getCause());
                }
            }
        } finally {
            worker.shutdownNow();
        }
        Report r = new Report(name, seed, i, outcomes, findings, (System.nanoTime() - start) / 1e9, maxAllocated);
        Files.deleteIfExists(dir.resolve(name + ".current"));
        Files.writeString(dir.resolve(name + ".txt"), r + "\n");
        return r;
    }

    /** Runs one case on the worker; returns {bytes allocated}. */
    private static long[] runOne(Function<Random, Case> generator, long caseSeed, Predicate<Throwable> expected,
            Map<String, Long> outcomes, List<String> findings) {
        long before = Allocations.allocated();
        String label;
        try {
            label = generator.apply(new Random(caseSeed)).run();
        } catch (Throwable t) {
            label = t.getClass().getSimpleName();
            String m = t.getMessage();
            if (!expected.test(t) || m == null || m.isBlank()) {
                java.io.StringWriter trace = new java.io.StringWriter();
                t.printStackTrace(new java.io.PrintWriter(trace));
                synchronized (findings) {
                    findings.add("case seed " + caseSeed + ": " + trace.toString().lines().limit(8)
                            .reduce((a, b) -> a + "\n    " + b).orElse(""));
                }
                label = "FINDING " + label;
            }
        }
        synchronized (outcomes) {
            outcomes.merge(label, 1L, Long::sum);
        }
        return new long[] {Allocations.allocated() - before};
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }
}
