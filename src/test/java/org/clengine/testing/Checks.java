package org.clengine.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.clengine.verify.Comparison;
import org.junit.jupiter.api.function.Executable;

/** Assertions the op tests share. */
public final class Checks {
    private Checks() {
    }

    /** Every comparison passed; the message lists them all and how to reproduce. */
    public static void allPassed(String what, long seed, List<Comparison> result) {
        assertTrue(result.stream().allMatch(Comparison::passed), () -> what + " (reproduce with -Dclengine.seed="
                + seed + "):\n" + result.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
    }

    /** The call throws IllegalArgumentException whose message contains {@code words}. */
    public static void rejects(String words, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(words), () -> "expected '" + words + "' in: " + e.getMessage());
    }

    /** Central finite difference of f at x[i] in double. */
    public static double centralDifference(java.util.function.ToDoubleFunction<double[]> f, double[] x, int i,
            double h) {
        double keep = x[i];
        x[i] = keep + h;
        double up = f.applyAsDouble(x);
        x[i] = keep - h;
        double down = f.applyAsDouble(x);
        x[i] = keep;
        return (up - down) / (2 * h);
    }
}
