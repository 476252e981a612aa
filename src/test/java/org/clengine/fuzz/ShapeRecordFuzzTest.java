package org.clengine.fuzz;

import static org.clengine.core.ShapeMath.MAX_ELEMENTS;
import static org.clengine.core.ShapeMath.MAX_EXTENT;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.matmul.MatmulShape;
import org.clengine.pooling.Pool2dParams;
import org.clengine.pooling.Pool2dShape;
import org.junit.jupiter.api.Test;

/**
 * The shape records against an independent oracle: each record's rules recomputed here in long (no int on the
 * way). A record must be built exactly when the oracle says every limit holds, and refuse with
 * IllegalArgumentException otherwise; any other exception, or a record that disagrees with the oracle (a wrapped
 * value let through, or a valid shape refused), fails. No device: fast enough for tens of thousands in CI.
 */
class ShapeRecordFuzzTest {

    @Test
    void recordsAgreeWithExactArithmetic() {
        FuzzRun run = new FuzzRun("shape-records", 300_000, 15);
        while (run.next()) {
            SplittableRandom r = run.random.split();
            switch (run.done() % 4) {
                case 0 -> conv(run, r);
                case 1 -> pool(run, r);
                case 2 -> matmul(run, r);
                default -> batchNorm(run, r);
            }
        }
        run.finish();
    }

    private static void conv(FuzzRun run, SplittableRandom r) {
        int[] v = new int[16];
        for (int i = 0; i < v.length; i++) v[i] = Extremes.pick(r, 0.3, i >= 9 && i <= 12 ? 0 : 1, 6);
        // n c h w k r s | sh sw | pt pb pl pr | dh dw | g
        boolean ok = v[9] >= 0 && v[10] >= 0 && v[11] >= 0 && v[12] >= 0 && v[7] >= 1 && v[8] >= 1 && v[13] >= 1
                && v[14] >= 1 && v[15] >= 1 && max(v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]) <= MAX_EXTENT;
        ok = ok && count(v[0], v[1], v[2], v[3]) && count(v[4], v[5], v[6]) && v[1] % v[15] == 0 && v[4] % v[15] == 0;
        long ph = (long) v[2] + v[9] + v[10], pw = (long) v[3] + v[11] + v[12];
        long kh = (long) v[13] * (v[5] - 1) + 1, kw = (long) v[14] * (v[6] - 1) + 1;
        ok = ok && ph <= MAX_EXTENT && pw <= MAX_EXTENT && kh <= MAX_EXTENT && kw <= MAX_EXTENT && kh <= ph && kw <= pw;
        long p = ok ? (ph - kh) / v[7] + 1 : 0, q = ok ? (pw - kw) / v[8] + 1 : 0;
        ok = ok && count(v[0], v[4], p, q) && fits(v[1], v[5], v[6], p, q);
        boolean expect = ok;
        judge(run, "conv " + java.util.Arrays.toString(v), expect, () -> {
            Conv2dShape s = new Conv2dShape(v[0], v[1], v[2], v[3], v[4], v[5], v[6], new Conv2dParams(v[7], v[8],
                    v[9], v[10], v[11], v[12], v[13], v[14], v[15], false));
            if (s.p() != p || s.q() != q) {
                throw new AssertionError("output " + s.p() + "×" + s.q() + ", not " + p + "×" + q);
            }
            if (!s.equals(Conv2dShape.parse(s.descriptor()))) throw new AssertionError("descriptor " + s.descriptor());
            s.backwardDataAsForward(); // a derived shape, or null: never an exception
            return s;
        });
    }

    private static void pool(FuzzRun run, SplittableRandom r) {
        int[] v = new int[10];
        for (int i = 0; i < v.length; i++) v[i] = Extremes.pick(r, 0.3, i >= 8 ? 0 : 1, 6);
        // n c h w | kh kw | sh sw | ph pw; half the time the pads are half the window, the most allowed, so that
        // large windows fit a small input and their area (an int in the kernels) is what is tested
        if (r.nextBoolean()) {
            v[8] = v[4] / 2;
            v[9] = v[5] / 2;
        }
        boolean ok = v[4] >= 1 && v[5] >= 1 && v[6] >= 1 && v[7] >= 1 && max(v[4], v[5], v[6], v[7]) <= MAX_EXTENT
                && v[8] >= 0 && v[9] >= 0 && 2L * v[8] <= v[4] && 2L * v[9] <= v[5] && count(v[0], v[1], v[2], v[3]);
        long ph = (long) v[2] + 2L * v[8], pw = (long) v[3] + 2L * v[9];
        ok = ok && ph <= MAX_EXTENT && pw <= MAX_EXTENT && ph >= v[4] && pw >= v[5] && fits(v[4], v[5]);
        ok = ok && count(v[0], v[1], (ph - v[4]) / v[6] + 1, (pw - v[5]) / v[7] + 1);
        judge(run, "pool " + java.util.Arrays.toString(v), ok, () -> {
            Pool2dShape s = new Pool2dShape(v[0], v[1], v[2], v[3], new Pool2dParams(v[4], v[5], v[6], v[7], v[8], v[9],
                    true));
            if (!s.equals(Pool2dShape.parse(s.descriptor()))) throw new AssertionError("descriptor " + s.descriptor());
            return s;
        });
    }

    private static void matmul(FuzzRun run, SplittableRandom r) {
        int b = Extremes.pick(r, 0.4, 1, 9), m = Extremes.pick(r, 0.4, 1, 9), n = Extremes.pick(r, 0.4, 1, 9);
        int k = Extremes.pick(r, 0.4, 1, 9);
        boolean ok = b >= 1 && m >= 1 && n >= 1 && k >= 1 && fits(m, k) && fits(k, n) && fits(b, m, n);
        judge(run, "matmul b" + b + "m" + m + "n" + n + "k" + k, ok, () -> {
            MatmulShape s = new MatmulShape(b, m, n, k, r.nextBoolean(), r.nextBoolean());
            if (!s.equals(MatmulShape.parse(s.descriptor()))) throw new AssertionError("descriptor " + s.descriptor());
            if (s.bytes() < 0) throw new AssertionError("bytes " + s.bytes());
            return s;
        });
    }

    private static void batchNorm(FuzzRun run, SplittableRandom r) {
        int n = Extremes.pick(r, 0.3, 1, 9), c = Extremes.pick(r, 0.3, 1, 9), h = Extremes.pick(r, 0.3, 1, 9);
        int w = Extremes.pick(r, 0.3, 1, 9);
        judge(run, "batchnorm " + n + "," + c + "," + h + "," + w, count(n, c, h, w), () -> {
            BatchNormShape s = BatchNormShape.of(n, c, h, w);
            if (!s.equals(BatchNormShape.parse(s.descriptor()))) throw new AssertionError("descriptor");
            if (s.elements() != (long) n * c * h * w || s.bytes(org.clengine.batchnorm.BatchNormOp.BACKWARD,
                    org.clengine.batchnorm.BatchNormFusion.ADD_RELU) < 0) {
                throw new AssertionError("elements or bytes");
            }
            return s;
        });
    }

    /** Built exactly when expected; refused only with IllegalArgumentException. */
    private static void judge(FuzzRun run, String what, boolean expected, Supplier<Object> build) {
        try {
            Object built = build.get();
            if (expected) run.ran();
            else run.fail(what + ": built " + built + " although a limit is broken");
        } catch (IllegalArgumentException e) {
            if (expected) run.fail(what + ": refused a valid shape: " + e.getMessage());
            else run.refused();
        } catch (RuntimeException | AssertionError e) {
            run.fail(what + ": " + e);
        }
    }

    /** All positive and the product at most MAX_ELEMENTS. */
    private static boolean count(long... dims) {
        for (long d : dims) if (d <= 0) return false;
        return fits(dims);
    }

    private static boolean fits(long... factors) {
        java.math.BigInteger p = java.math.BigInteger.ONE;
        for (long f : factors) p = p.multiply(java.math.BigInteger.valueOf(f));
        return p.compareTo(java.math.BigInteger.valueOf(MAX_ELEMENTS)) <= 0;
    }

    private static int max(int... values) {
        int m = Integer.MIN_VALUE;
        for (int x : values) m = Math.max(m, x);
        return m;
    }
}
