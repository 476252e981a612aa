package org.clengine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clengine.data.Batches;
import org.clengine.nn.Module;
import org.clengine.nn.ModuleSnapshot;
import org.clengine.nn.Parameter;

/**
 * How the loss and its gradient change along the gradient direction (Santurkar et al. 2018, §3.1, Fig. 4). At the
 * current weights w, on one batch: g = ∇L(w); then, for each step size η, the loss L(w − ηg) and the gradient
 * ∇L(w − ηg) on the same batch, with the model in the mode it is in (training mode: batch statistics, as a
 * training step sees them). Afterwards the model is as before, bit for bit: weights, gradients, running statistics
 * and batches-tracked counters are restored from a {@link ModuleSnapshot}. The optimizer is never touched (no SGD
 * step: its momentum buffers stay as they are), nor the trainer's step count.
 */
public final class SmoothnessProbe {

    /**
     * One probe. {@code loss} and {@code gradientNorm} = ‖g‖₂ at w; over the step sizes: the least and the greatest
     * loss (the band of the paper's Fig. 4a), the largest ‖∇L(w) − ∇L(w − ηg)‖₂ (gradient predictiveness, 4b) and
     * the largest ‖∇L(w) − ∇L(w − ηg)‖₂ / ‖ηg‖₂ ("effective" β-smoothness, 4c). Non-finite losses or gradients
     * along the way make the affected figures NaN or infinite rather than being skipped.
     */
    public record Result(double loss, double gradientNorm, double lossMin, double lossMax, double gradientChange,
            double beta) {
    }

    private final double[] stepSizes;

    /** Step sizes η, each positive and finite; w − ηg is probed for each. */
    public SmoothnessProbe(double... stepSizes) {
        if (stepSizes == null || stepSizes.length == 0) {
            throw new IllegalArgumentException("the probe needs at least one step size");
        }
        for (double eta : stepSizes) {
            if (!(eta > 0) || Double.isInfinite(eta)) {
                throw new IllegalArgumentException("step sizes must be positive and finite, got "
                        + Arrays.toString(stepSizes));
            }
        }
        this.stepSizes = stepSizes.clone();
    }

    public double[] stepSizes() {
        return stepSizes.clone();
    }

    /** Probes {@code trainer}'s model at its current weights on batch {@code b} of {@code batches}. */
    public Result probe(Trainer trainer, Batches batches, int b) {
        Module model = trainer.model();
        List<Parameter> params = new ArrayList<>(model.parameters().values());
        ModuleSnapshot before = ModuleSnapshot.of(model);
        try {
            double loss = trainer.lossAndGradient(batches, b);
            float[][] g = gradients(params);
            double gNorm = distance(g, null);
            double lossMin = Double.POSITIVE_INFINITY;
            double lossMax = Double.NEGATIVE_INFINITY;
            double change = 0;
            double beta = 0;
            for (double eta : stepSizes) {
                moveAlong(params, before, g, eta);
                double l = trainer.lossAndGradient(batches, b);
                double d = distance(g, gradients(params));
                // Math.min and max return NaN when either is NaN: a NaN loss or gradient shows in the result
                lossMin = Math.min(lossMin, l);
                lossMax = Math.max(lossMax, l);
                change = Math.max(change, d);
                beta = Math.max(beta, d / (eta * gNorm));
            }
            return new Result(loss, gNorm, lossMin, lossMax, change, beta);
        } finally {
            before.restore();
        }
    }

    /** Sets every parameter to w − ηg, w from the snapshot, in float as an SGD step would round it. */
    private static void moveAlong(List<Parameter> params, ModuleSnapshot before, float[][] g, double eta) {
        List<float[]> w = new ArrayList<>(before.values().values());
        for (int i = 0; i < params.size(); i++) {
            float[] moved = new float[g[i].length];
            for (int j = 0; j < moved.length; j++) moved[j] = (float) (w.get(i)[j] - eta * g[i][j]);
            params.get(i).value().copyFrom(moved);
        }
    }

    private static float[][] gradients(List<Parameter> params) {
        float[][] g = new float[params.size()][];
        for (int i = 0; i < g.length; i++) g[i] = params.get(i).grad().toArray();
        return g;
    }

    /** ‖a − b‖₂ over all parameters in double; ‖a‖₂ when b is null. */
    static double distance(float[][] a, float[][] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                double d = a[i][j] - (b == null ? 0 : b[i][j]);
                sum += d * d;
            }
        }
        return Math.sqrt(sum);
    }
}
