package org.clengine.batchnorm;

/**
 * Batch renormalization's limits for one step (Ioffe 2017): r = clip(sigma_B/sigma, 1/rmax, rmax) and
 * d = clip((mean_B − mean)/sigma, −dmax, dmax). rmax = 1, dmax = 0 is plain batch norm.
 *
 * @param rmax at least 1, a finite fp32 value
 * @param dmax at least 0, a finite fp32 value
 */
public record BatchRenorm(double rmax, double dmax) {
    /** r = 1, d = 0: plain batch norm, the paper's first steps. */
    public static final BatchRenorm OFF = new BatchRenorm(1, 0);

    public BatchRenorm {
        if (!(rmax >= 1) || rmax > Float.MAX_VALUE) {
            throw new IllegalArgumentException("rmax must be at least 1 and a finite fp32 value, got " + rmax);
        }
        if (!(dmax >= 0) || dmax > Float.MAX_VALUE) {
            throw new IllegalArgumentException("dmax must be at least 0 and a finite fp32 value, got " + dmax);
        }
    }
}
