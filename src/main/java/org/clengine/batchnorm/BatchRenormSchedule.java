package org.clengine.batchnorm;

/**
 * rmax and dmax over training, as the paper's warm-up: plain batch norm (1, 0) for the first {@code warmup} steps,
 * then both growing linearly to (rmax, dmax) over the next {@code ramp} steps, and staying there. Ioffe 2017 used
 * rmax 3 and dmax 5, reached after about a tenth of training.
 *
 * @param rmax   the final rmax, at least 1
 * @param dmax   the final dmax, at least 0
 * @param warmup steps with r = 1, d = 0
 * @param ramp   steps of the linear growth after the warm-up (0: a jump)
 */
public record BatchRenormSchedule(double rmax, double dmax, long warmup, long ramp) {

    public BatchRenormSchedule {
        new BatchRenorm(rmax, dmax);
        if (warmup < 0 || ramp < 0) {
            throw new IllegalArgumentException("warmup and ramp must not be negative, got " + warmup + ", " + ramp);
        }
    }

    /** The limits from the first step on: no warm-up. */
    public static BatchRenormSchedule constant(double rmax, double dmax) {
        return new BatchRenormSchedule(rmax, dmax, 0, 0);
    }

    /** The limits at step {@code step} (0 for the first batch). */
    public BatchRenorm at(long step) {
        if (step < warmup) return BatchRenorm.OFF;
        double f = ramp == 0 ? 1 : Math.min(1, (double) (step - warmup + 1) / ramp);
        return new BatchRenorm(1 + f * (rmax - 1), f * dmax);
    }
}
