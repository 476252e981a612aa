package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.clengine.backend.Backend;
import org.clengine.pooling.Pool2dParams;
import org.clengine.pooling.Pool2dShape;
import org.clengine.pooling.PoolingReference;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each module's backward against central finite differences on the reference backend: for L = Σ w·forward(x) with
 * random w, the directional derivative (L(θ + hv) − L(θ − hv))/2h along random directions v must equal
 * ⟨gradient, v⟩ for the input and for every parameter. Directions rather than coordinates: one comparison covers
 * every element. Directions are scaled to each tensor's RMS (at least 0.1); those that cross a ReLU or max-pool
 * kink are detected exactly and skipped.
 */
class GradientCheckTest {
    private static final double H = 4e-4;
    /**
     * Error allowed: relative 5e-3 (O(h²) truncation) plus absolute 1e-2 (the forward's fp32 rounding, ~1e-6 of L,
     * over h).
     */
    private static final double TOLERANCE = 5e-3;
    private static final double ABSOLUTE = 1e-2;

    record Case(String name, int[] input, Function<Backend, Module> build) {
    }

    static List<Case> cases() {
        Init init = new Init(7);
        return List.of(
                new Case("conv3x3 s1 p1 bias", new int[] {2, 3, 6, 5}, b -> new Conv2d(b, 3, 4, 3, 1, 1, true, init)),
                new Case("conv3x3 s2 p1 + fused ReLU", new int[] {2, 2, 7, 7}, b -> new Sequential(b,
                        new Conv2d(b, 2, 3, 3, 2, 1, true, init), Activation.relu(b))),
                new Case("linear + bias", new int[] {3, 7}, b -> new Linear(b, 7, 5, true, init)),
                new Case("linear + fused ReLU", new int[] {4, 6}, b -> new Sequential(b, new Linear(b, 6, 5, true,
                        init), Activation.relu(b))),
                new Case("batchnorm2d (training)", new int[] {3, 4, 3, 2}, b -> BatchNorm.batchNorm2d(b, 4)),
                new Case("batchnorm2d + fused ReLU", new int[] {2, 3, 4, 4}, b -> new Sequential(b,
                        BatchNorm.batchNorm2d(b, 3), Activation.relu(b))),
                new Case("conv, batchnorm2d, ReLU (conv → BN statistics fused)", new int[] {3, 2, 5, 4},
                        b -> new Sequential(b, new Conv2d(b, 2, 3, 3, 1, 1, false, init), BatchNorm.batchNorm2d(b, 3),
                                Activation.relu(b))),
                new Case("batchnorm1d (training)", new int[] {6, 5}, b -> BatchNorm.batchNorm1d(b, 5)),
                new Case("relu", new int[] {3, 11}, Activation::relu),
                new Case("sigmoid", new int[] {3, 11}, Activation::sigmoid),
                new Case("maxpool 2", new int[] {2, 3, 6, 6}, b -> Pool.max(b, Pool2dParams.of(2))),
                new Case("maxpool 3 s2 p1", new int[] {1, 2, 7, 5}, b -> Pool.max(b, Pool2dParams.of(3, 2, 1))),
                new Case("avgpool 3 s2 p1", new int[] {2, 2, 5, 5}, b -> Pool.avg(b, Pool2dParams.of(3, 2, 1))),
                new Case("global avgpool", new int[] {2, 3, 4, 5}, Pool::globalAvg),
                new Case("flatten + linear", new int[] {2, 2, 3, 3}, b -> new Sequential(b, new Flatten(b),
                        new Linear(b, 18, 4, true, init))),
                new Case("residual block, BN, identity shortcut", new int[] {2, 3, 5, 5},
                        b -> new ResidualBlock(b, 3, 3, 1, true, init)),
                new Case("residual block, BN, projection stride 2", new int[] {2, 2, 6, 6},
                        b -> new ResidualBlock(b, 2, 4, 2, true, init)),
                new Case("residual block without BN", new int[] {2, 2, 5, 5},
                        b -> new ResidualBlock(b, 2, 2, 1, false, init)));
    }

    @TestFactory
    List<DynamicTest> backwardIsTheGradient() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) tests.add(dynamicTest(c.name() + " seed=" + seed, () -> check(c, seed)));
        return tests;
    }

    static void check(Case c, long seed) {
        Backend b = TestBackends.REFERENCE;
        RandomFill r = new RandomFill(seed);
        try (Module m = c.build().apply(b); Tensor x = b.tensor(r.normal(Tensor.elementCount(c.input())), c.input())) {
            Tensor y = m.forward(x);
            float[] w = r.normal(y.size());
            String kinks = kinks(m);
            float[] dx;
            try (Tensor dy = b.tensor(w, y.shape())) {
                dx = m.backward(dy).toArray();
            }
            List<String> failures = new ArrayList<>();
            compare("input", x, dx, m, x, w, kinks, r, failures);
            for (Map.Entry<String, Parameter> p : m.parameters().entrySet()) {
                compare(p.getKey(), p.getValue().value(), p.getValue().grad().toArray(), m, x, w, kinks, r,
                        failures);
            }
            assertTrue(failures.isEmpty(), () -> c.name() + " (reproduce with -Dclengine.seed=" + seed + "): "
                    + failures);
        }
    }

    /**
     * Random directions through {@code target} until two stay on the same linear piece, each of which must agree
     * with backward; restores the tensor afterwards. A ReLU or max-pool kink within ±h moves the estimate by up to
     * half the jump in slope however small h is, so a step whose ±h points change any ReLU's sign or any max pool's
     * argmax ({@link #kinks}) is not used: h/4, h/16 and h/64 are tried (with the absolute tolerance grown as 1/h, the
     * rounding noise), then another direction. Along a step that stays on one piece the loss is smooth and the
     * central difference exact to O(h²).
     */
    private static void compare(String name, Tensor target, float[] grad, Module m, Tensor x, float[] w,
            String kinks, RandomFill r, List<String> failures) {
        float[] base = target.toArray();
        double rms = 0;
        for (float b : base) rms += (double) b * b;
        // steps in proportion to the tensor's own size: small weights feeding a batch norm must not cross kinks
        double scale = Math.max(Math.sqrt(rms / base.length), 0.1);
        int smooth = 0;
        for (int k = 0; k < 20 && smooth < 2; k++) {
            float[] v = r.normal(base.length);
            for (int i = 0; i < v.length; i++) v[i] *= (float) scale;
            // an element may sit closer to its kink than h: try smaller steps, whose rounding noise grows as 1/h
            for (double h = H; h >= H / 64; h /= 4) {
                double up = loss(m, x, target, base, v, h, w);
                boolean crossed = !kinks(m).equals(kinks);
                double down = loss(m, x, target, base, v, -h, w);
                if (crossed || !kinks(m).equals(kinks)) continue;
                smooth++;
                double fd = (up - down) / (2 * h), analytic = 0;
                for (int i = 0; i < v.length; i++) analytic += (double) grad[i] * v[i];
                if (Math.abs(fd - analytic) > TOLERANCE * Math.max(Math.abs(fd), Math.abs(analytic))
                        + ABSOLUTE * H / h) {
                    failures.add(String.format("%s: finite difference %.6g (h = %.1e), backward %.6g", name, fd,
                            h, analytic));
                }
                break;
            }
        }
        if (smooth < 2) failures.add(name + ": no two of 20 directions stayed clear of a kink");
        target.copyFrom(base);
    }

    /**
     * Where the last forward sits among the kinks: the sign of every ReLU's output (standalone or fused into batch
     * norm, a convolution or a linear layer) and every max pool's argmax, read from the modules' saved tensors.
     */
    static String kinks(Module m) {
        StringBuilder s = new StringBuilder();
        boolean relu = m instanceof Activation a ? a.kind() == Activation.Kind.RELU && !a.absorbed()
                : m instanceof ReluFusable f && f.reluFused();
        if (relu) {
            for (float v : ((Tensor) field(m, "y")).toArray()) s.append(v > 0 ? '+' : '0');
        }
        if (m instanceof Pool && field(m, "kind") == Pool.Kind.MAX) {
            Tensor x = (Tensor) field(m, "x");
            Pool2dShape shape = Pool2dShape.of(x.shape(), (Pool2dParams) field(m, "params"));
            float[] data = x.toArray();
            for (int plane = 0; plane < shape.n() * shape.c(); plane++) {
                for (int p = 0; p < shape.p(); p++) {
                    for (int q = 0; q < shape.q(); q++) {
                        s.append(PoolingReference.argmax(data, plane * shape.h() * shape.w(), p, q, shape)).append(',');
                    }
                }
            }
        }
        m.children().values().forEach(c -> s.append('|').append(kinks(c)));
        return s.toString();
    }

    private static Object field(Object o, String name) {
        try {
            var f = o.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("the kink check reads " + o.getClass().getSimpleName() + "." + name, e);
        }
    }

    private static double loss(Module m, Tensor x, Tensor target, float[] base, float[] v, double h, float[] w) {
        float[] moved = new float[base.length];
        for (int i = 0; i < base.length; i++) moved[i] = (float) (base[i] + h * v[i]);
        target.copyFrom(moved);
        float[] y = m.forward(x).toArray();
        double sum = 0;
        for (int i = 0; i < y.length; i++) sum += (double) w[i] * y[i];
        return sum;
    }
}
