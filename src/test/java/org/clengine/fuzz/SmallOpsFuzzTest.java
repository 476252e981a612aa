package org.clengine.fuzz;

import static org.clengine.fuzz.Extremes.pick;

import java.util.List;
import java.util.SplittableRandom;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.sgd.SgdParams;
import org.junit.jupiter.api.Test;

/**
 * The elementwise ops, softmax cross-entropy and SGD with extreme sizes and scalars on both backends, their outputs
 * now the inputs themselves (in place, which the elementwise ops allow), now views of them, now tensors of their
 * own. Each runs alike or is refused alike.
 */
class SmallOpsFuzzTest {
    private static final long RUN_ELEMENTS = 1 << 14;
    private static final float[] SCALARS = {0, 1, -1, 0.5f, 0.9f, 1e-3f, Float.MIN_VALUE, Float.MIN_NORMAL, 1e-40f,
        Float.MAX_VALUE, 3e38f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.999999f, 1e30f};

    @Test
    void extremeSmallOpsRunAlikeOrAreRefusedAlike() {
        FuzzRun run = new FuzzRun("elementwise-loss-sgd", 40_000, 15);
        while (run.next()) one(run, run.random.split());
        run.finish();
    }

    private static void one(FuzzRun run, SplittableRandom r) {
        double p = 0.05;
        int rank = 1 + r.nextInt(3);
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = pick(r, p, 1, 12);
        long e = Extremes.elements(dims);
        if (e <= 0 || e > RUN_ELEMENTS) {
            run.refused(); // the tensor itself is refused (Tensor.elementCount, BadInputCases) or too big to run here
            return;
        }
        int op = r.nextInt(12), alias = r.nextInt(4);
        float scalar = r.nextInt(3) == 0 ? SCALARS[r.nextInt(SCALARS.length)] : 2f;
        float[] sgd = {pickScalar(r, 0.01f), pickScalar(r, 0.9f), pickScalar(r, 1e-4f)};
        long seed = r.nextLong();
        Differential.check(run, java.util.Arrays.toString(dims) + " op " + op + " alias " + alias + " scalar "
                + scalar + " sgd " + java.util.Arrays.toString(sgd),
                (b, sc) -> call(b, sc, dims, op, alias, scalar, sgd, seed), op == 6 || op == 7 ? 1e-6 : 1e-5);
    }

    private static float pickScalar(SplittableRandom r, float usual) {
        return r.nextInt(4) == 0 ? SCALARS[r.nextInt(SCALARS.length)] : usual;
    }

    /** alias 0: the output is the first input; 1: a view of it; 2, 3: a tensor of its own. */
    private static List<float[]> call(Backend b, TensorScope sc, int[] dims, int op, int alias, float scalar,
            float[] sgd, long seed) {
        SplittableRandom d = new SplittableRandom(seed);
        int n = (int) Extremes.elements(dims);
        Tensor x = sc.tensor(Extremes.uniform(d, n), dims), y2 = sc.tensor(Extremes.uniform(d, n), dims);
        Tensor out = alias == 0 ? x : alias == 1 ? x.view(dims) : sc.full(Float.NaN, dims);
        var ew = b.elementwise();
        switch (op) {
            case 0 -> ew.copy(out, x);
            case 1 -> ew.fill(out, scalar);
            case 2 -> ew.scale(out, x, scalar);
            case 3 -> ew.add(out, x, y2);
            case 4 -> ew.reluForward(out, x);
            case 5 -> ew.reluBackward(out, x, y2);
            case 6 -> ew.sigmoidForward(out, x);
            case 7 -> ew.sigmoidBackward(out, x, y2);
            case 8 -> {
                Tensor db = alias == 3 ? out : sc.full(Float.NaN, dims);
                ew.addBackward(out, db, x);
                return List.of(out.toArray(), db.toArray());
            }
            case 9 -> {
                return loss(b, sc, dims, alias, d);
            }
            default -> {
                SgdParams params = new SgdParams(sgd[0], op == 10 ? 0 : sgd[1], sgd[2]);
                Tensor buf = params.hasMomentum() ? alias == 3 ? x : sc.tensor(Extremes.uniform(d, n), dims) : null;
                b.sgd().update(x, buf, alias < 2 ? out : y2, params);
                return buf == null ? List.of(x.toArray()) : List.of(x.toArray(), buf.toArray());
            }
        }
        return List.of(out.toArray(), x.toArray());
    }

    /** Softmax cross-entropy on the dims as [N, K] (rank 1: [N, 1]); labels in and out of range, some fractional. */
    private static List<float[]> loss(Backend b, TensorScope sc, int[] dims, int alias, SplittableRandom d) {
        int rows = dims[0], classes = (int) (Extremes.elements(dims) / rows);
        Tensor logits = sc.tensor(Extremes.uniform(d, rows * classes), rows, classes);
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++) labels[i] = d.nextInt(8) == 0 ? d.nextInt(3) - 1.5f : d.nextInt(classes + 1);
        Tensor lab = sc.tensor(labels, rows);
        Tensor result = alias == 1 && rows * classes == 2 ? logits.view(2) : sc.full(Float.NaN, 2);
        Tensor dlogits = alias == 0 ? logits : alias == 1 ? sc.full(Float.NaN, rows, classes) : alias == 2 ? null
                : sc.full(Float.NaN, rows, classes);
        if (dlogits == null) b.loss().softmaxCrossEntropy(result, logits, lab);
        else b.loss().softmaxCrossEntropy(result, dlogits, logits, lab);
        return dlogits == null ? List.of(result.toArray()) : List.of(result.toArray(), dlogits.toArray());
    }
}
