package org.clengine.nn;

import java.util.Collection;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * Dynamic loss scaling, PyTorch's {@code torch.cuda.amp.GradScaler} with its defaults: the loss gradient is multiplied
 * by the scale before backward (so small fp16 gradients do not flush to zero), the parameters' fp32 gradients are
 * multiplied by its reciprocal before the step, and a step whose gradients hold an Inf or NaN is skipped and halves
 * the scale (backoff 0.5); after {@code growthInterval} (2000) steps in a row with finite gradients the scale doubles
 * (growth 2). Initial scale 2^16. The scale is a power of two, so scaling and unscaling are exact in fp32.
 */
public final class GradScaler {
    public static final float INIT_SCALE = 65536f;
    public static final float GROWTH_FACTOR = 2f;
    public static final float BACKOFF_FACTOR = 0.5f;
    public static final int GROWTH_INTERVAL = 2000;

    private final float growth;
    private final float backoff;
    private final int interval;
    private float scale;
    private int goodSteps;
    private long steps;
    private long skipped;

    /** PyTorch's defaults: scale 2^16, growth 2 every 2000 finite steps, backoff 0.5. */
    public GradScaler() {
        this(INIT_SCALE, GROWTH_FACTOR, BACKOFF_FACTOR, GROWTH_INTERVAL);
    }

    public GradScaler(float initScale, float growth, float backoff, int growthInterval) {
        if (!(initScale > 0) || Float.isInfinite(initScale)) {
            throw new IllegalArgumentException("initial scale " + initScale + " must be positive and finite");
        }
        if (!(growth > 1)) throw new IllegalArgumentException("growth factor " + growth + " must be above 1");
        if (!(backoff > 0 && backoff < 1)) {
            throw new IllegalArgumentException("backoff factor " + backoff + " must be in (0, 1)");
        }
        if (growthInterval < 1) throw new IllegalArgumentException("growth interval " + growthInterval + " < 1");
        this.scale = initScale;
        this.growth = growth;
        this.backoff = backoff;
        this.interval = growthInterval;
    }

    /** The current scale. */
    public float scale() {
        return scale;
    }

    /** Steps taken through {@link #step}, skipped ones included. */
    public long steps() {
        return steps;
    }

    /** Steps skipped because a gradient held an Inf or NaN. */
    public long skippedSteps() {
        return skipped;
    }

    /** {@code dloss *= scale} in place, before backward. */
    public void scaleLossGradient(Backend backend, Tensor dloss) {
        backend.elementwise().scale(dloss, dloss, scale);
    }

    /**
     * Unscales every gradient in place, then runs {@code sgd.step()} if all are finite; updates the scale either way.
     * Returns whether the step ran.
     */
    public boolean step(Sgd sgd, Collection<Parameter> parameters) {
        boolean finite = unscale(parameters);
        if (finite) sgd.step();
        update(finite);
        return finite;
    }

    /**
     * Multiplies each gradient by 1/scale and reports whether every value is finite (read back to the host); the
     * scale is left alone (for a gradient wanted without a step).
     */
    public boolean unscale(Collection<Parameter> parameters) {
        float inverse = (float) (1.0 / scale);
        boolean finite = true;
        for (Parameter p : parameters) {
            p.backend().elementwise().scale(p.grad(), p.grad(), inverse);
            for (float v : p.grad().toArray()) {
                if (!Float.isFinite(v)) {
                    finite = false;
                    break;
                }
            }
        }
        return finite;
    }

    /** PyTorch's update: backoff and a fresh count on an overflow, growth after {@code interval} good steps. */
    void update(boolean finite) {
        steps++;
        if (!finite) {
            skipped++;
            scale *= backoff;
            goodSteps = 0;
            return;
        }
        if (++goodSteps == interval) {
            float grown = scale * growth;
            if (Float.isFinite(grown)) scale = grown; // PyTorch keeps the scale when growing would overflow
            goodSteps = 0;
        }
    }
}
