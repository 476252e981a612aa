package org.clengine.fuzz;

import static org.clengine.fuzz.Extremes.pick;

import java.util.List;
import java.util.SplittableRandom;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.pooling.Pool2dParams;
import org.clengine.pooling.Pool2dShape;
import org.junit.jupiter.api.Test;

/**
 * Pooling with extreme sizes, windows, strides and padding on both backends: max and average, forward and backward,
 * and global average pooling; each runs alike or is refused alike. Integer data keeps sums exact.
 */
class PoolingFuzzTest {
    private static final long RUN_ELEMENTS = 1 << 13;

    @Test
    void extremePoolingRunsAlikeOrIsRefusedAlike() {
        FuzzRun run = new FuzzRun("pooling", 30_000, 15);
        while (run.next()) one(run, run.random.split());
        run.finish();
    }

    private static void one(FuzzRun run, SplittableRandom r) {
        double p = 0.07;
        int[] x = {pick(r, p, 1, 3), pick(r, p, 1, 3), pick(r, p, 1, 9), pick(r, p, 1, 9)};
        int op = r.nextInt(6);
        boolean alias = r.nextInt(10) == 0;
        long seed = r.nextLong();
        if (op >= 4) { // global average pooling: x [N,C,H,W] and [N,C]
            if (!small(x)) {
                run.refused(); // Tensor.elementCount's own refusal, the same on both (BadInputCases)
                return;
            }
            Differential.check(run, "global " + java.util.Arrays.toString(x) + " op " + op,
                    (b, sc) -> global(b, sc, x, op == 4, alias, seed), 1e-6);
            return;
        }
        Pool2dParams params;
        try {
            params = new Pool2dParams(pick(r, p, 1, 3), pick(r, p, 1, 3), pick(r, p, 1, 3), pick(r, p, 1, 3),
                    pick(r, p, 0, 1), pick(r, p, 0, 1), r.nextBoolean());
        } catch (IllegalArgumentException refused) {
            run.refused();
            return;
        }
        Pool2dShape s;
        try {
            s = Pool2dShape.of(x, params);
        } catch (IllegalArgumentException refused) {
            if (small(x)) {
                Differential.check(run, "refused " + java.util.Arrays.toString(x) + " " + params,
                        (b, sc) -> windowed(b, sc, x, new int[] {1, 1, 1, 1}, params, op, false, seed), 1e-6);
            } else {
                run.refused();
            }
            return;
        }
        if (!small(s.xDims()) || !small(s.yDims())) {
            run.recordOnly();
            return;
        }
        Differential.check(run, s + " op " + op + (alias ? " aliased" : ""),
                (b, sc) -> windowed(b, sc, s.xDims(), s.yDims(), params, op, alias, seed), 1e-6);
    }

    /** Max (op 0, 1) or average (2, 3) pooling, forward or backward; an aliased output is a view of an input. */
    private static List<float[]> windowed(Backend b, TensorScope sc, int[] xd, int[] yd, Pool2dParams p, int op,
            boolean alias, long seed) {
        SplittableRandom d = new SplittableRandom(seed);
        Tensor x = sc.tensor(Extremes.integers(d, size(xd)), xd);
        Tensor dy = sc.tensor(Extremes.integers(d, size(yd)), yd);
        boolean sameSize = size(xd) == size(yd);
        if (op == 0 || op == 2) {
            Tensor y = alias && sameSize ? x.view(yd) : sc.full(Float.NaN, yd);
            if (op == 0) b.pooling().maxForward(y, x, p);
            else b.pooling().avgForward(y, x, p);
            return List.of(y.toArray());
        }
        Tensor dx = alias && sameSize ? dy.view(xd) : sc.full(Float.NaN, xd);
        if (op == 1) b.pooling().maxBackward(dx, dy, x, p);
        else b.pooling().avgBackward(dx, dy, p);
        return List.of(dx.toArray());
    }

    private static List<float[]> global(Backend b, TensorScope sc, int[] xd, boolean forward, boolean alias,
            long seed) {
        SplittableRandom d = new SplittableRandom(seed);
        Tensor big = sc.tensor(Extremes.integers(d, size(xd)), xd);
        Tensor small = sc.tensor(Extremes.integers(d, xd[0] * xd[1]), xd[0], xd[1]);
        boolean sameSize = xd[2] * xd[3] == 1;
        if (forward) {
            Tensor y = alias && sameSize ? big.view(xd[0], xd[1]) : small;
            b.pooling().globalAvgForward(y, big);
            return List.of(y.toArray());
        }
        Tensor dx = alias && sameSize ? small.view(xd) : big;
        b.pooling().globalAvgBackward(dx, small);
        return List.of(dx.toArray());
    }

    private static boolean small(int[] dims) {
        long e = Extremes.elements(dims);
        return e > 0 && e <= RUN_ELEMENTS;
    }

    private static int size(int[] dims) {
        return (int) Extremes.elements(dims);
    }
}
