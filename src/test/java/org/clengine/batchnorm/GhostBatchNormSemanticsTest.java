package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Ghost batch norm means what Hoffer et al. and Keras 2 mean: on each backend, one ghost call equals plain batch
 * norm run on each virtual batch's samples copied out, one call after another in virtual-batch order on the same
 * running statistics (y, saved statistics, running statistics, batches tracked), and its backward equals the
 * slices' backwards with dgamma and dbeta summed. Plain batch norm is the engine's existing op, so this checks the
 * ghost kernels and the ghost reference against something neither was written from.
 */
class GhostBatchNormSemanticsTest {

    @TestFactory
    List<DynamicTest> ghostIsSequentialBatchNormOnTheVirtualBatches() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (String d : List.of("mb8ic3ih5iw7:2", "mb12ic5:4", "mb6ic4ih9iw9:3", "mb32ic8ih4iw4:8")) {
            for (BatchNormOps ops : List.of(TestBackends.REFERENCE.batchNorm(), TestBackends.openCl().batchNorm())) {
                for (Double momentum : Arrays.asList(0.1, null)) {
                    String[] parts = d.split(":");
                    tests.add(dynamicTest(d + " momentum " + momentum + " " + ops.memory().name() + " seed=" + seed,
                            () -> check(ops, BatchNormShape.parse(parts[0]), Integer.parseInt(parts[1]), momentum,
                                    seed)));
                }
            }
        }
        return tests;
    }

    private static void check(BatchNormOps ops, BatchNormShape s, int v, Double momentum, long seed) {
        RandomFill rf = new RandomFill(seed);
        int e = Math.toIntExact(s.elements());
        float[] x = rf.perChannel(s.n(), s.c(), s.hw(), 3, 1);
        float[] dy = rf.normal(e);
        float[] gamma = rf.uniform(s.c(), 0.5, 1.5);
        float[] beta = rf.normal(s.c());
        BatchNormConfig cfg = BatchNormConfig.DEFAULT.withMomentum(momentum);
        Map<String, float[]> ghost = ghost(ops, s, v, cfg, x, dy, gamma, beta);
        Map<String, float[]> slices = slices(ops, s, v, cfg, x, dy, gamma, beta);
        StringBuilder bad = new StringBuilder();
        for (var w : slices.entrySet()) {
            Tolerance tol = w.getKey().startsWith("d") ? Tolerance.BATCHNORM_BACKWARD : Tolerance.BATCHNORM_FORWARD;
            Comparison c = Comparison.of(w.getKey(), w.getValue(), ghost.get(w.getKey()), tol);
            if (!c.passed()) bad.append(c).append('\n');
        }
        assertTrue(bad.isEmpty(), () -> s + " virtual batch " + v + " on " + ops.memory().name() + " (seed " + seed
                + "):\n" + bad);
    }

    private static Map<String, float[]> ghost(BatchNormOps ops, BatchNormShape s, int v, BatchNormConfig cfg,
            float[] x, float[] dy, float[] gamma, float[] beta) {
        Map<String, float[]> out = new LinkedHashMap<>();
        int g = s.n() / v;
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor xt = scope.tensor(x, s.dims());
            Tensor gt = scope.tensor(gamma, s.c());
            Tensor y = scope.full(Float.NaN, s.dims());
            BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, g, s.c()), scope.full(Float.NaN, g, s.c()));
            BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(ops.memory(), s.c()));
            ops.forwardTrainingGhost(new GhostBatchNormTraining(BatchNormTraining.of(y, saved, xt)
                    .affine(gt, scope.tensor(beta, s.c())).running(running).config(cfg), v));
            Tensor dx = scope.full(Float.NaN, s.dims());
            Tensor dgamma = scope.full(Float.NaN, s.c());
            Tensor dbeta = scope.full(Float.NaN, s.c());
            ops.backwardGhost(new GhostBatchNormBackward(BatchNormBackward.of(dx, scope.tensor(dy, s.dims()), xt,
                    saved).affine(gt, dgamma, dbeta).config(cfg), v));
            out.put("y", y.toArray());
            out.put("mean", saved.mean().toArray());
            out.put("invstd", saved.invstd().toArray());
            out.put("run_mean", running.mean().toArray());
            out.put("run_var", running.var().toArray());
            out.put("batches", new float[] {running.batchesTracked()});
            out.put("dx", dx.toArray());
            out.put("dgamma", dgamma.toArray());
            out.put("dbeta", dbeta.toArray());
        }
        return out;
    }

    /** Plain batch norm on each virtual batch's samples, copied out, in order, on one set of running statistics. */
    private static Map<String, float[]> slices(BatchNormOps ops, BatchNormShape s, int v, BatchNormConfig cfg,
            float[] x, float[] dy, float[] gamma, float[] beta) {
        int g = s.n() / v;
        int[] dims = s.dims().clone();
        dims[0] = v;
        int len = Math.toIntExact(s.elements() / g);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String k : List.of("y", "dx")) out.put(k, new float[x.length]);
        for (String k : List.of("mean", "invstd")) out.put(k, new float[g * s.c()]);
        float[] dgamma = new float[s.c()];
        float[] dbeta = new float[s.c()];
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor gt = scope.tensor(gamma, s.c());
            Tensor bt = scope.tensor(beta, s.c());
            BatchNormRunningStats running = scope.add(BatchNormRunningStats.create(ops.memory(), s.c()));
            for (int k = 0; k < g; k++) {
                Tensor xk = scope.tensor(Arrays.copyOfRange(x, k * len, (k + 1) * len), dims);
                Tensor y = scope.full(Float.NaN, dims);
                BatchNormSaved saved = new BatchNormSaved(scope.full(Float.NaN, s.c()), scope.full(Float.NaN, s.c()));
                ops.forwardTraining(BatchNormTraining.of(y, saved, xk).affine(gt, bt).running(running).config(cfg));
                Tensor dx = scope.full(Float.NaN, dims);
                Tensor dg = scope.full(Float.NaN, s.c());
                Tensor db = scope.full(Float.NaN, s.c());
                ops.backward(BatchNormBackward.of(dx, scope.tensor(Arrays.copyOfRange(dy, k * len, (k + 1) * len),
                        dims), xk, saved).affine(gt, dg, db).config(cfg));
                System.arraycopy(y.toArray(), 0, out.get("y"), k * len, len);
                System.arraycopy(dx.toArray(), 0, out.get("dx"), k * len, len);
                System.arraycopy(saved.mean().toArray(), 0, out.get("mean"), k * s.c(), s.c());
                System.arraycopy(saved.invstd().toArray(), 0, out.get("invstd"), k * s.c(), s.c());
                float[] dgk = dg.toArray();
                float[] dbk = db.toArray();
                for (int c = 0; c < s.c(); c++) {
                    dgamma[c] += dgk[c];
                    dbeta[c] += dbk[c];
                }
            }
            out.put("run_mean", running.mean().toArray());
            out.put("run_var", running.var().toArray());
            out.put("batches", new float[] {running.batchesTracked()});
        }
        out.put("dgamma", dgamma);
        out.put("dbeta", dbeta);
        return out;
    }
}
