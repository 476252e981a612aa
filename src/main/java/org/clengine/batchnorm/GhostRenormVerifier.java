package org.clengine.batchnorm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.batchnorm.BatchNormVerifier.Inputs;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;
import org.clengine.verify.Tolerance;

/**
 * Runs one ghost batch norm or batch renormalization case on an implementation and on the reference with the same
 * fresh random inputs ({@link Inputs}), outputs poisoned with NaN, and compares every output. The backward's saved
 * statistics (and r, d) come from the reference forward, the same on both.
 */
public final class GhostRenormVerifier {
    private GhostRenormVerifier() {
    }

    public static List<Comparison> run(BatchNormOps device, BatchNormOps reference, BatchNormShape s,
            GhostRenormVariant v, int virtualBatch, long seed) {
        return run(device, reference, s, v, virtualBatch, seed, DType.F32);
    }

    /** As above with the activations (x, y, z, dy, dx, dz) stored in {@code act}, inputs rounded to it first. */
    public static List<Comparison> run(BatchNormOps device, BatchNormOps reference, BatchNormShape s,
            GhostRenormVariant v, int virtualBatch, long seed, DType act) {
        return OpVerification.trusted(k -> {
            Inputs in = Inputs.random(s, k).rounded(act);
            return compare(in, v, virtualBatch, outputs(reference, in, v, virtualBatch, act),
                    outputs(device, in, v, virtualBatch, act), act);
        }, seed);
    }

    /** Every output by name; each [G, C] or [C] output is compared against its own reference magnitude. */
    public static List<Comparison> compare(Inputs in, GhostRenormVariant v, int virtualBatch,
            Map<String, float[]> expected, Map<String, float[]> got) {
        return compare(in, v, virtualBatch, expected, got, DType.F32);
    }

    private static List<Comparison> compare(Inputs in, GhostRenormVariant v, int virtualBatch,
            Map<String, float[]> expected, Map<String, float[]> got, DType act) {
        Tolerance tol = v.backward() ? Tolerance.BATCHNORM_BACKWARD : Tolerance.BATCHNORM_FORWARD;
        Map<String, float[]> scales = Scales.of(in, v, virtualBatch, expected);
        List<Comparison> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            float[] scale = scales.get(e.getKey());
            boolean activation = List.of("y", "dx", "dz").contains(e.getKey());
            out.add(Comparison.of(e.getKey(), e.getValue(), got.get(e.getKey()),
                    activation ? Tolerance.half(act, tol) : tol, scale));
        }
        return out;
    }

    /** Runs the case on one implementation and returns every output by name. */
    public static Map<String, float[]> outputs(BatchNormOps ops, Inputs in, GhostRenormVariant v, int virtualBatch) {
        return outputs(ops, in, v, virtualBatch, DType.F32);
    }

    /** As above with the activations stored in {@code act}. */
    public static Map<String, float[]> outputs(BatchNormOps ops, Inputs in, GhostRenormVariant v, int virtualBatch,
            DType act) {
        BatchNormShape s = in.shape();
        BatchNormVariant b = v.base;
        int[] dims = s.dims();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor x = scope.tensor(act, in.x(), dims);
            Tensor gamma = b.affine ? scope.tensor(in.gamma(), s.c()) : null;
            Tensor beta = b.affine ? scope.tensor(in.beta(), s.c()) : null;
            int g = v.mode == GhostRenormVariant.Mode.GHOST ? s.n() / virtualBatch : 1;
            int[] statDims = v.mode == GhostRenormVariant.Mode.GHOST ? new int[] {g, s.c()} : new int[] {s.c()};
            if (v.backward()) {
                Saved saved = Saved.of(in, v, virtualBatch);
                backward(ops, scope, in, v, virtualBatch, x, gamma, saved, statDims, out);
                return out;
            }
            Tensor z = b.fusion.hasResidual() ? scope.tensor(act, in.z(), dims) : null;
            BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, statDims),
                    scope.full(Float.NaN, statDims));
            BatchNormRunningStats running = b.tracking || v.mode == GhostRenormVariant.Mode.RENORM
                    ? scope.add(new BatchNormRunningStats(scope.tensor(in.runMean(), s.c()),
                            scope.tensor(in.runVar(), s.c()), 3)) : null;
            Tensor y = scope.full(act, Float.NaN, dims);
            BatchNormTraining call = new BatchNormTraining(y, saved, x, gamma, beta, z, running, b.config());
            if (v.mode == GhostRenormVariant.Mode.GHOST) {
                ops.forwardTrainingGhost(new GhostBatchNormTraining(call, virtualBatch));
            } else {
                BatchRenormSaved rd = new BatchRenormSaved(scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
                ops.forwardTrainingRenorm(new BatchRenormTraining(call, GhostRenormVariant.LIMITS, rd));
                out.put("r", rd.r().toArray());
                out.put("d", rd.d().toArray());
            }
            out.put("y", y.toArray());
            out.put("mean", saved.mean().toArray());
            out.put("invstd", saved.invstd().toArray());
            if (running != null) {
                out.put("run_mean", running.mean().toArray());
                out.put("run_var", running.var().toArray());
                out.put("batches", new float[] {running.batchesTracked()});
            }
        }
        return out;
    }

    private static void backward(BatchNormOps ops, TensorScope scope, Inputs in, GhostRenormVariant v,
            int virtualBatch, Tensor x, Tensor gamma, Saved saved, int[] statDims, Map<String, float[]> out) {
        BatchNormShape s = in.shape();
        BatchNormVariant b = v.base;
        int[] dims = s.dims();
        DType act = x.dtype();
        Tensor dx = scope.full(act, Float.NaN, dims);
        Tensor dgamma = b.affine ? scope.full(Float.NaN, s.c()) : null;
        Tensor dbeta = b.affine ? scope.full(Float.NaN, s.c()) : null;
        Tensor dz = b.fusion.hasResidual() ? scope.full(act, Float.NaN, dims) : null;
        Tensor y = b.fusion.hasRelu() ? scope.tensor(act, saved.y(), dims) : null;
        BatchNormSaved stats = new BatchNormSaved(scope.tensor(saved.mean(), statDims),
                scope.tensor(saved.invstd(), statDims));
        BatchNormBackward call = BatchNormBackward.of(dx, scope.tensor(act, in.dy(), dims), x, stats)
                .affine(gamma, dgamma, dbeta).forwardOutput(y).residualGradient(dz).config(b.config());
        if (v.mode == GhostRenormVariant.Mode.GHOST) {
            ops.backwardGhost(new GhostBatchNormBackward(call, virtualBatch));
        } else {
            ops.backwardRenorm(new BatchRenormBackward(call, new BatchRenormSaved(scope.tensor(saved.r(), s.c()),
                    scope.tensor(saved.d(), s.c()))));
        }
        out.put("dx", dx.toArray());
        if (dgamma != null) {
            out.put("dgamma", dgamma.toArray());
            out.put("dbeta", dbeta.toArray());
        }
        if (dz != null) out.put("dz", dz.toArray());
    }

    /** The reference forward's output, saved statistics and corrections: the backward's inputs on every backend. */
    record Saved(float[] y, float[] mean, float[] invstd, float[] r, float[] d) {
        static Saved of(Inputs in, GhostRenormVariant v, int virtualBatch) {
            BatchNormShape s = in.shape();
            BatchNormVariant b = v.base;
            boolean ghost = v.mode == GhostRenormVariant.Mode.GHOST;
            int stats = ghost ? s.n() / virtualBatch * s.c() : s.c();
            Saved o = new Saved(new float[Math.toIntExact(s.elements())], new float[stats], new float[stats],
                    ghost ? null : new float[s.c()], ghost ? null : new float[s.c()]);
            float[] gamma = b.affine ? in.gamma() : null;
            float[] beta = b.affine ? in.beta() : null;
            float[] z = b.fusion.hasResidual() ? in.z() : null;
            if (ghost) {
                BatchNormVariantReference.forwardGhost(o.y, o.mean, o.invstd, null, null, null, null, in.x(), gamma,
                        beta, z, s, virtualBatch, b.config().eps(), null, b.fusion);
            } else {
                BatchNormVariantReference.forwardRenorm(o.y, o.mean, o.invstd, null, o.r, o.d, in.runMean().clone(),
                        in.runVar().clone(), null, in.x(), gamma, beta, z, s, b.config().eps(),
                        GhostRenormVariant.LIMITS, BatchNormRunningStats.update(b.config(), 1, s.perChannel()),
                        b.fusion);
            }
            return o;
        }
    }
}
