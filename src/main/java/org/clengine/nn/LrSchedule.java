package org.clengine.nn;

/**
 * A learning rate as a function of the step (0-based), as PyTorch's schedulers stepped once per batch:
 * {@link #constant}, {@link #step} (StepLR) and {@link #cosine} (CosineAnnealingLR).
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(long step);

    static LrSchedule constant(double lr) {
        return s -> lr;
    }

    /** lr·gamma^⌊step/every⌋. */
    static LrSchedule step(double lr, long every, double gamma) {
        if (every < 1) throw new IllegalArgumentException("step schedule needs every ≥ 1, got " + every);
        return s -> lr * Math.pow(gamma, Math.floorDiv(s, every));
    }

    /** minLr + (lr − minLr)·(1 + cos(π·step/total))/2, then minLr after {@code total} steps. */
    static LrSchedule cosine(double lr, long total, double minLr) {
        if (total < 1) throw new IllegalArgumentException("cosine schedule needs total ≥ 1, got " + total);
        return s -> minLr + (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(s, total) / total)) / 2;
    }
}
