package org.clengine.fuzz;

import static org.clengine.fuzz.Extremes.pick;

import java.util.List;
import java.util.SplittableRandom;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dPath;
import org.clengine.conv2d.Conv2dPolicy;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * Convolutions with extreme sizes and parameters on both backends (issue 18: a dilation of 2^30 wrapped the
 * dilated filter to 1 and the row kernel read outside x, killing the JVM). Each value is extreme with a small
 * chance, else small, so that about half the cases are valid and small enough to run all three ops and the
 * conv → BN fusion, on whatever path the policy picks; the rest must be refused alike. Integer data keeps the
 * convolution's sums exact, so outputs compare tightly.
 */
class Conv2dFuzzTest {
    private static final long RUN_ELEMENTS = 1 << 13;
    private static final long RUN_MACS = 1 << 19;

    @Test
    void extremeConvolutionsRunAlikeOrAreRefusedAlike() {
        FuzzRun run = new FuzzRun("conv2d", 20_000, 15);
        Conv2dPolicy base = TestBackends.policy().conv2d();
        // every path, and the GEMM path with col matrices of a few hundred floats (many chunks, the dot kernel)
        List<OpenClBackend> paths = List.of(TestBackends.openCl(), on(base.withPath(Conv2dPath.GEMM)),
                on(base.withPath(Conv2dPath.DEPTHWISE)), on(base.withPath(Conv2dPath.DIRECT)),
                on(base.withPath(Conv2dPath.BLOCKED)),
                on(base.withPath(Conv2dPath.GEMM).withColFloats(256).withDotMinPq(16).withWideMaxPq(8)));
        while (run.next()) one(run, run.random.split(), paths);
        run.finish();
    }

    private static OpenClBackend on(Conv2dPolicy p) {
        return TestBackends.openCl(TestBackends.policy().withConv2d(p));
    }

    private static void one(FuzzRun run, SplittableRandom r, List<OpenClBackend> paths) {
        double p = 0.06;
        int g = pick(r, p / 2, 1, 3), n = pick(r, p, 1, 3), c = g * pick(r, p, 1, 3), k = g * pick(r, p, 1, 3);
        int h = pick(r, p, 1, 9), w = pick(r, p, 1, 9), kh = pick(r, p, 1, 3), kw = pick(r, p, 1, 3);
        Conv2dParams params;
        try {
            params = new Conv2dParams(pick(r, p, 1, 3), pick(r, p, 1, 3), pick(r, p, 0, 2), pick(r, p, 0, 2),
                    pick(r, p, 0, 2), pick(r, p, 0, 2), pick(r, p, 1, 3), pick(r, p, 1, 3), g, r.nextBoolean());
        } catch (IllegalArgumentException refused) {
            run.refused();
            return;
        }
        int[] x = {n, c, h, w}, wt = {k, Math.max(1, c / Math.max(1, g)), kh, kw};
        Conv2dShape s;
        try {
            s = new Conv2dShape(n, c, h, w, k, kh, kw, params);
        } catch (IllegalArgumentException refused) {
            // the tensors may still be small: the ops must refuse them alike
            if (small(x) && small(wt)) refusedAtTheApi(run, r.nextLong(), x, wt, params);
            else run.refused();
            return;
        }
        double macs = (double) s.n() * s.k() * s.p() * s.q() * (s.c() / s.groups()) * s.r() * s.s();
        if (!small(s.xDims()) || !small(s.wDims()) || !small(s.yDims()) || macs > RUN_MACS) {
            run.recordOnly();
            return;
        }
        int op = r.nextInt(6);
        boolean alias = r.nextInt(10) == 0;
        long seed = r.nextLong();
        int path = r.nextInt(paths.size());
        Differential.check(run, s + " relu " + params.relu() + " op " + op + " path " + path + (alias ? " aliased"
                : ""), paths.get(path), (b, sc) -> call(b, sc, s, op, alias, seed), op == 5 ? 1e-3 : 1e-6, 0);
    }

    /** One of the ops on {@code s}: forward (plain, with bias), backward-data, backward-weights (and dbias), fused. */
    private static List<float[]> call(Backend b, TensorScope sc, Conv2dShape s, int op, boolean alias, long seed) {
        SplittableRandom d = new SplittableRandom(seed);
        Conv2dParams p = s.params();
        Tensor x = sc.tensor(Extremes.integers(d, size(s.xDims())), s.xDims());
        Tensor w = sc.tensor(Extremes.integers(d, size(s.wDims())), s.wDims());
        Tensor dy = sc.tensor(Extremes.integers(d, size(s.yDims())), s.yDims());
        switch (op) {
            case 0, 1 -> {
                Tensor bias = op == 1 ? sc.tensor(Extremes.integers(d, s.k()), s.k()) : null;
                Tensor y = alias && size(s.yDims()) == size(s.xDims()) ? x.view(s.yDims()) : sc.full(Float.NaN,
                        s.yDims());
                b.conv2d().forward(y, x, w, bias, p);
                return List.of(y.toArray());
            }
            case 2 -> {
                Tensor dx = alias && size(s.yDims()) == size(s.xDims()) ? dy.view(s.xDims()) : sc.full(Float.NaN,
                        s.xDims());
                b.conv2d().backwardData(dx, dy, w, p);
                return List.of(dx.toArray());
            }
            case 3, 4 -> {
                Tensor dw = alias && size(s.wDims()) == size(s.xDims()) ? x.view(s.wDims()) : sc.full(Float.NaN,
                        s.wDims());
                Tensor dbias = op == 4 ? sc.full(Float.NaN, s.k()) : null;
                b.conv2d().backwardWeights(dw, dbias, dy, x, p);
                return dbias == null ? List.of(dw.toArray()) : List.of(dw.toArray(), dbias.toArray());
            }
            default -> {
                Tensor conv = sc.full(Float.NaN, s.yDims());
                BatchNormSaved saved = sc.add(BatchNormSaved.allocate(sc.memory(), s.k()));
                Tensor y = alias ? dy : sc.full(Float.NaN, s.yDims());
                b.conv2d().forwardBatchNormTraining(x, w, null, p, BatchNormTraining.of(y, saved, alias ? dy : conv));
                return List.of(conv.toArray(), y.toArray(), saved.mean().toArray());
            }
        }
    }

    /** A shape the record refused, given as small tensors: both backends must refuse with the same message. */
    private static void refusedAtTheApi(FuzzRun run, long seed, int[] x, int[] wt, Conv2dParams p) {
        Differential.check(run, "refused " + java.util.Arrays.toString(x) + " " + java.util.Arrays.toString(wt) + " "
                + p, (b, sc) -> {
                    SplittableRandom d = new SplittableRandom(seed);
                    Tensor y = sc.full(0f, 1, 1, 1, 1);
                    b.conv2d().forward(y, sc.tensor(Extremes.integers(d, size(x)), x),
                            sc.tensor(Extremes.integers(d, size(wt)), wt), null, p);
                    return List.of(y.toArray());
                }, 1e-6);
    }

    private static boolean small(int[] dims) {
        long e = Extremes.elements(dims);
        return e > 0 && e <= RUN_ELEMENTS;
    }

    private static int size(int[] dims) {
        return (int) Extremes.elements(dims);
    }
}
