package org.clengine.device;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** What the tuners share: a candidate's outcome, and checking, then timing side by side, a list of candidates. */
public final class TuningSearch {
    private TuningSearch() {
    }

    /** A candidate's failure (null when every check passed) and its rate (GFLOP/s, GB/s) per timed case. */
    public record Result<T>(T candidate, String failure, double[] rates) {
        /** Geometric mean of the rates; 0 for a failed candidate. */
        public double score() {
            if (failure != null || rates.length == 0) return 0;
            return Math.exp(Arrays.stream(rates).map(Math::log).average().orElse(0));
        }
    }

    /**
     * Checks each candidate ({@code check}: null if it passed, else why not), then times those that passed in one
     * call of {@code rates} (so that they take turns), printing one line per candidate.
     */
    public static <T> List<Result<T>> evaluate(PrintStream out, List<T> candidates, Function<T, String> check,
            Function<List<T>, double[][]> rates, Function<T, String> label, String unit) {
        List<T> passed = new ArrayList<>();
        List<Result<T>> results = new ArrayList<>();
        for (T t : candidates) {
            String failure = check.apply(t);
            if (failure == null) {
                passed.add(t);
            } else {
                results.add(new Result<>(t, failure, new double[0]));
                out.printf(Locale.ROOT, "  %-44s REJECTED: %s%n", label.apply(t), failure);
            }
        }
        double[][] measured = rates.apply(passed);
        for (int i = 0; i < passed.size(); i++) {
            Result<T> r = new Result<>(passed.get(i), null, measured[i]);
            results.add(r);
            out.printf(Locale.ROOT, "  %-44s %s  mean %.1f %s%n", label.apply(r.candidate()), Arrays.toString(
                    Arrays.stream(measured[i]).map(g -> Math.round(g * 10) / 10.0).toArray()), r.score(), unit);
        }
        return results;
    }
}
