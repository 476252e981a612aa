package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.clengine.backend.Backend;
import org.clengine.pooling.Pool2dParams;
import org.clengine.tensor.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each module's backward against central finite differences on the reference backend: for L = Σ w·forward(x) with
 * random w, the directional derivative (L(θ + hv) − L(θ − hv))/2h along random directions v must equal
 * ⟨gradient, v⟩ for the input and for every parameter. Directions rather than coordinates: one comparison covers
 * every element, and a ReLU or max-pool kink crossed by one element moves the sum by little. Directions are scaled
 * to each tensor's RMS (at least 0.1).
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
            float[] dx;
            try (Tensor dy = b.tensor(w, y.shape())) {
                dx = m.backward(dy).toArray();
            }
            List<String> failures = new ArrayList<>();
            compare("input", x, dx, m, x, w, r, failures);
            for (Map.Entry<String, Parameter> p : m.parameters().entrySet()) {
                compare(p.getKey(), p.getValue().value(), p.getValue().grad().toArray(), m, x, w, r, failures);
            }
            assertTrue(failures.isEmpty(), () -> c.name() + " (reproduce with -Dclengine.seed=" + seed + "): "
                    + failures);
        }
    }

    /**
     * Random directions through {@code target} until two are smooth, each of which must match; restores the tensor
     * afterwards. A ReLU or max-pool kink crossed within ±h shifts the estimate by O(|w·∂z|) however small h is; such
     * a direction shows itself by an estimate at h that differs from the one at h/2 (a smooth function agrees to
     * O(h²)) and is skipped. A wrong backward is wrong in the smooth directions too.
     */
    private static void compare(String name, Tensor target, float[] grad, Module m, Tensor x, float[] w,
            RandomFill r, List<String> failures) {
        float[] base = target.toArray();
        double rms = 0;
        for (float b : base) rms += (double) b * b;
        // steps in proportion to the tensor's own size: small weights feeding a batch norm must not cross kinks
        double scale = Math.max(Math.sqrt(rms / base.length), 0.1);
        int smooth = 0;
        for (int k = 0; k < 12 && smooth < 2; k++) {
            float[] v = r.normal(base.length);
            for (int i = 0; i < v.length; i++) v[i] *= (float) scale;
            double analytic = 0;
            for (int i = 0; i < v.length; i++) analytic += (double) grad[i] * v[i];
            double fd = difference(m, x, target, base, v, H, w);
            double half = difference(m, x, target, base, v, H / 2, w);
            if (!close(fd, half)) continue;
            smooth++;
            if (!close(fd, analytic)) {
                failures.add(String.format("%s: finite difference %.6g (%.6g at h/2), backward %.6g", name, fd,
                        half, analytic));
            }
        }
        if (smooth < 2) failures.add(name + ": no two of 12 directions were smooth");
        target.copyFrom(base);
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) + ABSOLUTE;
    }

    private static double difference(Module m, Tensor x, Tensor target, float[] base, float[] v, double h, float[] w) {
        return (loss(m, x, target, base, v, h, w) - loss(m, x, target, base, v, -h, w)) / (2 * h);
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
