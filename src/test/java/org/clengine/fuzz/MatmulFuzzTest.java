package org.clengine.fuzz;

import static org.clengine.fuzz.Extremes.pick;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.MatmulShape;
import org.junit.jupiter.api.Test;

/**
 * GEMM with extreme sizes and layouts (offsets, leading dimensions, strides, among them 0, negatives and the int
 * limits) on both backends, tensors sized to the layout's extent or off by a little, and C sometimes sharing A's
 * storage (the same tensor with other offsets, or a view). Each call runs alike or is refused alike.
 */
class MatmulFuzzTest {
    private static final long RUN_FLOATS = 1 << 13;
    private static final long RUN_MACS = 1 << 18;

    @Test
    void extremeGemmsRunAlikeOrAreRefusedAlike() {
        FuzzRun run = new FuzzRun("matmul", 30_000, 15);
        MatmulPolicy base = TestBackends.policy().matmul();
        List<OpenClBackend> paths = new ArrayList<>();
        for (MatmulPath p : MatmulPath.values()) {
            paths.add(TestBackends.openCl(TestBackends.policy().withMatmul(base.withPath(p))));
        }
        while (run.next()) one(run, run.random.split(), paths);
        run.finish();
    }

    private static void one(FuzzRun run, SplittableRandom r, List<OpenClBackend> paths) {
        double p = 0.05;
        MatmulShape s;
        try {
            s = new MatmulShape(pick(r, p, 1, 3), pick(r, p, 1, 9), pick(r, p, 1, 9), pick(r, p, 1, 9), r.nextBoolean(),
                    r.nextBoolean());
        } catch (IllegalArgumentException refused) {
            run.refused();
            return;
        }
        if ((double) s.batch() * s.m() * s.n() * s.k() > RUN_MACS) {
            run.recordOnly();
            return;
        }
        MatmulLayout l = r.nextBoolean() ? MatmulLayout.contiguous(s) : new MatmulLayout(pick(r, p, 0, 3),
                s.aCols() + pick(r, p, 0, 2), pick(r, p, 0, 40), pick(r, p, 0, 3), s.bCols() + pick(r, p, 0, 2),
                pick(r, p, 0, 40), pick(r, p, 0, 3), s.n() + pick(r, p, 0, 2), pick(r, p, 0, 40));
        long[] sizes = {size(r, l.offA(), l.lda(), l.strideA(), s.batch(), s.aRows(), s.aCols()),
            size(r, l.offB(), l.ldb(), l.strideB(), s.batch(), s.bRows(), s.bCols()),
            size(r, l.offC(), l.ldc(), l.strideC(), s.batch(), s.m(), s.n())};
        for (int i = 0; i < sizes.length; i++) {
            // a layout reaching past any tensor this test makes gets a small one, which MatmulArgs must refuse
            if (sizes[i] <= 0 || sizes[i] > RUN_FLOATS) sizes[i] = 1 + r.nextInt(64);
        }
        MatmulParams params = new MatmulParams(r.nextInt(3) - 1, r.nextInt(3) - 1,
                MatmulBias.values()[r.nextInt(MatmulBias.values().length)], r.nextBoolean());
        int alias = r.nextInt(8); // 0: C is A, 1: C is a view of A, else C of its own
        long seed = r.nextLong();
        int path = r.nextInt(paths.size());
        Differential.check(run, s + " " + l + " " + params.label() + " alias " + alias + " path " + path,
                paths.get(path), (b, sc) -> gemm(b, sc, s, l, params, sizes, alias, seed), 1e-6, 0);
    }

    /** The floats the layout reaches (MatmulLayout.extent), now and then one more or one fewer. */
    private static long size(SplittableRandom r, int off, int ld, int stride, int batch, int rows, int cols) {
        long extent = MatmulLayout.extent(off, ld, stride, batch, rows, cols);
        int jitter = r.nextInt(10);
        return extent + (jitter == 0 ? -1 : jitter == 1 ? 1 : 0);
    }

    private static List<float[]> gemm(Backend b, TensorScope sc, MatmulShape s, MatmulLayout l, MatmulParams p,
            long[] sizes, int alias, long seed) {
        SplittableRandom d = new SplittableRandom(seed);
        Tensor a = sc.tensor(Extremes.integers(d, (int) Math.max(sizes[0], sizes[2])),
                (int) Math.max(sizes[0], sizes[2]));
        Tensor bt = sc.tensor(Extremes.integers(d, (int) sizes[1]), (int) sizes[1]);
        Tensor c = alias == 0 ? a : alias == 1 ? a.view(a.size()) : sc.tensor(Extremes.integers(d, (int) sizes[2]),
                (int) sizes[2]);
        int biasLength = p.bias() == MatmulBias.PER_ROW ? s.m() : s.n();
        Tensor bias = p.bias() == MatmulBias.NONE ? null : sc.tensor(Extremes.integers(d, biasLength), biasLength);
        b.matmul().gemm(Gemm.of(c, a, bt, s).layout(l).params(p).bias(bias));
        return List.of(c.toArray());
    }
}
