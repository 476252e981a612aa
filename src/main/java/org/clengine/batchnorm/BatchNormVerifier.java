package org.clengine.batchnorm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;

/**
 * Runs one batch norm variant on an implementation and on the reference with the same fresh random inputs, outputs
 * poisoned with NaN beforehand, and compares every output. The activations (x, y, z, dy, dx, dz) may be stored in a
 * 16-bit dtype (issue 15): the inputs are then rounded to it first, so that both sides and the error scales see the
 * same values, and those outputs are held to one 16-bit rounding more ({@link Tolerance#half}).
 */
public final class BatchNormVerifier {
    private BatchNormVerifier() {
    }

    /** Random inputs for one shape: channels with their own means (±3) and spreads, never zeros. */
    public record Inputs(BatchNormShape shape, float[] x, float[] x2, float[] gamma, float[] beta, float[] z,
            float[] dy, float[] runMean, float[] runVar) {

        public static Inputs random(BatchNormShape s, long seed) {
            RandomFill r = new RandomFill(seed);
            int e = Math.toIntExact(s.elements());
            return new Inputs(s, r.perChannel(s.n(), s.c(), s.hw(), 3, 1), r.perChannel(s.n(), s.c(), s.hw(), 3, 1),
                    r.uniform(s.c(), 0.5, 1.5), r.normal(s.c()), r.normal(e), r.normal(e),
                    r.uniform(s.c(), -0.5, 0.5), r.uniform(s.c(), 0.5, 2));
        }

        /** The activations (x, x2, z, dy) rounded to {@code act}, as a tensor of that dtype holds them. */
        public Inputs rounded(DType act) {
            return new Inputs(shape, round(x, act), round(x2, act), gamma, beta, round(z, act), round(dy, act),
                    runMean, runVar);
        }

        private static float[] round(float[] v, DType act) {
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) out[i] = act.round(v[i]);
            return out;
        }
    }

    /**
     * Runs with inputs from {@code seed}; when the reference's result checks nothing (MISTRUSTED: a ReLU output that
     * is all zeros on a tiny tensor), draws again from seed+1, seed+2, ... up to 20 times, as benchdnn fills data so
     * that each check means something.
     */
    public static List<Comparison> run(BatchNormOps device, BatchNormOps reference, BatchNormShape s,
            BatchNormVariant v, long seed) {
        return run(device, reference, s, v, seed, DType.F32);
    }

    /** As {@link #run(BatchNormOps, BatchNormOps, BatchNormShape, BatchNormVariant, long)}, activations in act. */
    public static List<Comparison> run(BatchNormOps device, BatchNormOps reference, BatchNormShape s,
            BatchNormVariant v, long seed, DType act) {
        return OpVerification.trusted(k -> run(device, reference, Inputs.random(s, k).rounded(act), v, act), seed);
    }

    public static List<Comparison> run(BatchNormOps device, BatchNormOps reference, Inputs in, BatchNormVariant v) {
        return run(device, reference, in, v, DType.F32);
    }

    public static List<Comparison> run(BatchNormOps device, BatchNormOps reference, Inputs in, BatchNormVariant v,
            DType act) {
        return compare(in, v, outputs(reference, in, v, act), outputs(device, in, v, act), act);
    }

    /**
     * Compares outputs by name with the per-output tolerances and error scales of {@link #run}: for results that
     * come from elsewhere than a {@link BatchNormOps} (a peer library in the benchmarks). Every output in
     * {@code expected} must be in {@code got}.
     */
    public static List<Comparison> compare(Inputs in, BatchNormVariant v, Map<String, float[]> expected,
            Map<String, float[]> got) {
        return compare(in, v, expected, got, DType.F32);
    }

    private static List<Comparison> compare(Inputs in, BatchNormVariant v, Map<String, float[]> expected,
            Map<String, float[]> got, DType act) {
        Tolerance tol = v.op == BatchNormOp.BACKWARD ? Tolerance.BATCHNORM_BACKWARD : Tolerance.BATCHNORM_FORWARD;
        Map<String, float[]> scales = v.op == BatchNormOp.BACKWARD ? backwardScales(in, v) : Map.of();
        List<Comparison> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            if (e.getKey().equals("batches") || e.getKey().equals("skipped")) {
                boolean same = Arrays.equals(e.getValue(), got.get(e.getKey()));
                out.add(new Comparison(e.getKey(), 0, 0, 0, same ? Comparison.Status.PASS : Comparison.Status.FAIL,
                        same ? "" : e.getKey() + " " + Arrays.toString(got.get(e.getKey())) + " vs reference "
                                + Arrays.toString(e.getValue())));
            } else {
                float[] scale = e.getKey().equals("y") ? yTerms(in, v, expected) : scale(e.getKey(), scales, expected);
                boolean activation = ACTIVATIONS.contains(e.getKey());
                out.add(Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()),
                        activation ? Tolerance.half(act, tol) : tol, scale));
                if (activation && act != DType.F32) out.add(mismatches(e.getKey(), e.getValue(), got.get(e.getKey())));
            }
        }
        return out;
    }

    /** The outputs stored in the activations' dtype. */
    private static final java.util.Set<String> ACTIVATIONS = java.util.Set.of("y", "dx", "dz");

    /**
     * A 16-bit output's share of elements whose bits differ from the reference's, held to
     * {@link Tolerance#HALF_MISMATCHES}: the tolerance alone lets a kernel round the wrong way (one unit everywhere).
     */
    private static Comparison mismatches(String name, float[] expected, float[] got) {
        int differ = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(got[i])) differ++;
        }
        double share = (double) differ / expected.length;
        boolean ok = share <= Tolerance.HALF_MISMATCHES || expected.length < 64 && differ <= 3;
        return new Comparison(name + " bits", share, 0, 0, ok ? Comparison.Status.PASS : Comparison.Status.FAIL,
                ok ? "" : differ + " of " + expected.length + " elements differ from the reference's bits");
    }

    /** Runs the variant on one implementation and returns every output by name. */
    public static Map<String, float[]> outputs(BatchNormOps ops, Inputs in, BatchNormVariant v) {
        return outputs(ops, in, v, DType.F32);
    }

    /** As {@link #outputs(BatchNormOps, Inputs, BatchNormVariant)} with the activations stored in {@code act}. */
    public static Map<String, float[]> outputs(BatchNormOps ops, Inputs in, BatchNormVariant v, DType act) {
        BatchNormShape s = in.shape();
        int[] dims = s.dims();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor x = scope.tensor(act, in.x(), dims);
            Tensor gamma = v.affine ? scope.tensor(in.gamma(), s.c()) : null;
            Tensor beta = v.affine ? scope.tensor(in.beta(), s.c()) : null;
            Tensor z = v.fusion.hasResidual() ? scope.tensor(act, in.z(), dims) : null;
            Tensor y = scope.full(act, Float.NaN, dims);
            switch (v.op) {
                case FORWARD_TRAINING -> {
                    BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, s.c()),
                            scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
                    BatchNormRunningStats running = null;
                    if (v.tracking) {
                        running = scope.add(new BatchNormRunningStats(scope.tensor(in.runMean(), s.c()),
                                scope.tensor(in.runVar(), s.c()), scope.full(0f, s.c()), 0));
                    }
                    training(ops, scope, in, v, new BatchNormTraining(y, saved, x, gamma, beta, z, running,
                            v.config()), out);
                }
                case FORWARD_INFERENCE -> {
                    BatchNormRunningStats running = new BatchNormRunningStats(scope.tensor(in.runMean(), s.c()),
                            scope.tensor(in.runVar(), s.c()), 0);
                    ops.forwardInference(BatchNormInference.of(y, x, running).affine(gamma, beta).residual(z)
                            .config(v.config()));
                    out.put("y", y.toArray());
                }
                case BACKWARD -> backward(ops, scope, in, v, x, gamma, out, act);
            }
        }
        return out;
    }

    /** Runs {@code call} (after a first batch when the variant has no momentum) and reads every output back. */
    private static void training(BatchNormOps ops, TensorScope scope, Inputs in, BatchNormVariant v,
            BatchNormTraining call, Map<String, float[]> out) {
        if (v.momentum == null) {
            // two batches: the first fills the average, the second is weighted 1/2
            ops.forwardTraining(call.io(call.y(), scope.tensor(call.x().dtype(), in.x2(), in.shape().dims())));
        }
        if (v.update == RunningUpdatePolicy.SKIP) {
            // a batch with a NaN in every other channel first: SKIP keeps those channels' running values
            float[] bad = in.x2().clone();
            BatchNormShape s = in.shape();
            for (int c = 0; c < s.c(); c += 2) bad[c * s.hw()] = Float.NaN;
            ops.forwardTraining(call.io(call.y(), scope.tensor(call.x().dtype(), bad, s.dims())));
        }
        ops.forwardTraining(call);
        out.put("y", call.y().toArray());
        out.put("mean", call.saved().mean().toArray());
        out.put("invstd", call.saved().invstd().toArray());
        BatchNormRunningStats running = call.running();
        if (running != null) {
            out.put("run_mean", running.mean().toArray());
            out.put("run_var", running.var().toArray());
            out.put("batches", new float[] {running.batchesTracked()});
            if (v.update == RunningUpdatePolicy.SKIP) out.put("skipped", running.skipped().toArray());
        }
    }

    /**
     * What an output's error is measured against besides its own size: a mean is as exact as its channel's spread
     * allows (std = 1/invstd); a sum (dgamma, dbeta) as exact as the L2 norm of its terms; dx as exact as the terms
     * that cancel to give it.
     */
    private static float[] scale(String output, Map<String, float[]> scales, Map<String, float[]> expected) {
        if (output.equals("mean") || output.equals("run_mean")) {
            float[] invstd = expected.get("invstd");
            float[] std = new float[invstd.length];
            for (int c = 0; c < std.length; c++) std[c] = 1 / invstd[c];
            return std;
        }
        return scales.get(output);
    }

    /**
     * |gamma·invstd|·max(|x|, |mean|): y = gamma·(x − mean)·invstd + beta subtracts two fp32 values, so x̂ can be no
     * more exact than ulp(mean)/std (a channel of two close values: std 1e-3 of the mean, 1e-4 error in x̂).
     */
    private static float[] yTerms(Inputs in, BatchNormVariant v, Map<String, float[]> expected) {
        BatchNormShape s = in.shape();
        float[] mean = new float[s.c()];
        float[] invstd = new float[s.c()];
        for (int c = 0; c < s.c(); c++) {
            if (v.op == BatchNormOp.FORWARD_TRAINING && !v.frozen) {
                mean[c] = expected.get("mean")[c];
                invstd[c] = expected.get("invstd")[c];
            } else {
                mean[c] = in.runMean()[c];
                invstd[c] = (float) (1 / Math.sqrt(in.runVar()[c] + v.config().eps()));
            }
        }
        float[] terms = new float[in.x().length];
        for (int i = 0; i < terms.length; i++) {
            int c = (i / s.hw()) % s.c();
            float g = v.affine ? Math.abs(in.gamma()[c]) : 1;
            terms[i] = g * invstd[c] * Math.max(Math.abs(in.x()[i]), Math.abs(mean[c]));
        }
        return terms;
    }

    /** dx: |gamma·invstd·g| per element; dgamma: ‖g·x̂‖₂ per channel; dbeta: ‖g‖₂ per channel. */
    private static Map<String, float[]> backwardScales(Inputs in, BatchNormVariant v) {
        BatchNormShape s = in.shape();
        Saved saved = Saved.of(in, v);
        float[] dx = new float[in.dy().length];
        double[] gx2 = new double[s.c()];
        double[] g2 = new double[s.c()];
        for (int i = 0; i < dx.length; i++) {
            int c = (i / s.hw()) % s.c();
            double g = v.fusion.hasRelu() && !(saved.y()[i] > 0) ? 0 : in.dy()[i];
            double xhat = (in.x()[i] - saved.mean()[c]) * saved.invstd()[c];
            dx[i] = (float) Math.abs((v.affine ? in.gamma()[c] : 1) * saved.invstd()[c] * g);
            gx2[c] += g * xhat * g * xhat;
            g2[c] += g * g;
        }
        float[] dgamma = new float[s.c()];
        float[] dbeta = new float[s.c()];
        for (int c = 0; c < s.c(); c++) {
            dgamma[c] = (float) Math.sqrt(gx2[c]);
            dbeta[c] = (float) Math.sqrt(g2[c]);
        }
        return Map.of("dx", dx, "dgamma", dgamma, "dbeta", dbeta);
    }

    /** The reference forward's output and saved statistics: backward's inputs, the same on every backend. */
    private record Saved(float[] y, float[] mean, float[] invstd) {
        static Saved of(Inputs in, BatchNormVariant v) {
            BatchNormShape s = in.shape();
            Saved saved = new Saved(new float[Math.toIntExact(s.elements())], new float[s.c()], new float[s.c()]);
            float[] gamma = v.affine ? in.gamma() : null;
            float[] beta = v.affine ? in.beta() : null;
            float[] z = v.fusion.hasResidual() ? in.z() : null;
            if (v.frozen) {
                BatchNormReference.forwardFrozen(saved.y, saved.mean, saved.invstd, null, in.x(), gamma, beta, z,
                        in.runMean(), in.runVar(), s, v.config().eps(), v.fusion);
            } else {
                BatchNormReference.forwardTraining(saved.y, saved.mean, saved.invstd, null, null, in.x(), gamma,
                        beta, z, s, v.config().eps(), null, v.fusion);
            }
            return saved;
        }
    }

    private static void backward(BatchNormOps ops, TensorScope scope, Inputs in, BatchNormVariant v, Tensor x,
            Tensor gamma, Map<String, float[]> out, DType act) {
        BatchNormShape s = in.shape();
        int[] dims = s.dims();
        Saved saved = Saved.of(in, v);
        Tensor dx = scope.full(act, Float.NaN, dims);
        Tensor dgamma = v.affine ? scope.full(Float.NaN, s.c()) : null;
        Tensor dbeta = v.affine ? scope.full(Float.NaN, s.c()) : null;
        Tensor dz = v.fusion.hasResidual() ? scope.full(act, Float.NaN, dims) : null;
        Tensor dy = scope.tensor(act, in.dy(), dims);
        Tensor y = v.fusion.hasRelu() ? scope.tensor(act, saved.y(), dims) : null;
        BatchNormSaved stats = new BatchNormSaved(scope.tensor(saved.mean(), s.c()),
                scope.tensor(saved.invstd(), s.c()));
        ops.backward(BatchNormBackward.of(dx, dy, x, stats).affine(gamma, dgamma, dbeta).forwardOutput(y)
                .residualGradient(dz).config(v.config()));
        out.put("dx", dx.toArray());
        if (dgamma != null) {
            out.put("dgamma", dgamma.toArray());
            out.put("dbeta", dbeta.toArray());
        }
        if (dz != null) out.put("dz", dz.toArray());
    }
}
