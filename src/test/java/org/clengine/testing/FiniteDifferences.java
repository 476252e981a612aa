package org.clengine.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;

/** Central finite differences in double, for checking the references' backward ops. */
public final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /**
     * Perturbs each element of {@code p} in place by ±h, differences {@code loss}, and requires the analytic
     * gradient to match within {@code tolerance} relative L2.
     */
    public static void check(String what, float[] analytic, double[] p, DoubleSupplier loss, double h,
            double tolerance) {
        double err2 = 0, ref2 = 0;
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + h;
            double up = loss.getAsDouble();
            p[i] = keep - h;
            double down = loss.getAsDouble();
            p[i] = keep;
            double numeric = (up - down) / (2 * h);
            err2 += (numeric - analytic[i]) * (numeric - analytic[i]);
            ref2 += numeric * numeric;
        }
        double rel = Math.sqrt(err2 / ref2);
        assertTrue(ref2 > 0 && rel < tolerance, what + ": relative L2 error vs finite differences " + rel);
    }

    public static double[] toDouble(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }
}
