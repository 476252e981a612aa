package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clengine.backend.LaunchPolicy;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.device.KernelBinding;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Convolution with x, w, y, dy, dx in F16 or BF16 (dw, dbias, bias F32) against the reference on the same rounded
 * inputs, outputs poisoned with NaN, on the paths that take 16 bits (AUTO, DIRECT, GEMM, BLOCKED); the row kernels
 * (DEPTHWISE) refuse them by name. Shapes: 1s, primes, 3×3 with padding (im2col), 1×1 (x as the col matrix),
 * strides (backward-data by phases), dilation with stride (col2im), groups, small P·Q (one wide GEMM) and large
 * (the dot kernel), large channel counts, the train CNN's and a ResNet block's layers.
 */
class HalfConvTest {
    static final List<String> SHAPES = List.of("mb1ic1ih1oc1kh1", "mb2ic3ih7oc4kh3ph1", "mb1ic2ih13iw7oc3kh3",
            "mb3ic5ih11oc7kh3sh2", "mb2ic4ih9oc4kh2sh3", "mb1ic3ih15oc2kh3ph2dh2", "g2mb2ic4ih8oc6kh3ph1",
            "mb1ic64ih7oc64kh3ph1", "mb1ic256ih3oc128kh1", "mb2ic128ih4oc17kh3ph1", "mb2ic9ih8oc16kh1sh2",
            "mb1ic3ih7oc4kh3sh2ph1pb3", "g2mb1ic6ih11oc4kh3sh2dh1ph2", "mb13ic2ih3oc3kh2",
            // the train CNN's two convolutions and a ResNet basic block's 3×3 and its strided 1×1 shortcut
            "mb4ic1ih28oc8kh3ph1", "mb4ic8ih14oc16kh3ph1", "mb2ic16ih16oc16kh3ph1", "mb2ic16ih16oc32kh1sh2",
            "mb3ic32ih28oc32kh3ph1");

    static final List<Conv2dPath> PATHS = List.of(Conv2dPath.AUTO, Conv2dPath.DIRECT, Conv2dPath.GEMM,
            Conv2dPath.BLOCKED);

    @TestFactory
    List<DynamicTest> everyOpPathAndDtypeMatchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (String d : SHAPES) {
            for (Conv2dVerifier.Variant v : Conv2dVerifier.Variant.values()) {
                DType t = i++ % 2 == 0 ? DType.BF16 : DType.F16;
                tests.add(dynamicTest(d + " " + v.label() + " " + t + " seed=" + seed, () -> {
                    List<String> failures = new ArrayList<>();
                    for (Conv2dPath path : PATHS) {
                        List<Comparison> r = Conv2dVerifier.run(onPath(path), TestBackends.REFERENCE.conv2d(),
                                Conv2dShape.parse(d), v, t, seed);
                        r.stream().filter(c -> !c.passed()).forEach(c -> failures.add(path + ": " + c));
                    }
                    assertTrue(failures.isEmpty(), () -> d + " " + v.label() + " " + t
                            + " (reproduce with -Dclengine.seed=" + seed + "):\n" + String.join("\n", failures));
                }));
            }
        }
        return tests;
    }

    /** Forced onto the row kernels, a 16-bit convolution is refused by name; AUTO runs it elsewhere. */
    @Test
    void rowKernelsRefuseSixteenBits() {
        Conv2dShape s = Conv2dShape.parse("g8mb2ic8ih9oc8kh3ph1"); // depthwise: AUTO's row-kernel shape
        Conv2dOps rows = onPath(Conv2dPath.DEPTHWISE);
        Memory m = rows.memory();
        try (TensorScope scope = new TensorScope(m)) {
            Tensor x = scope.add(m.full(DType.BF16, 0.5f, s.xDims())), w = scope.add(m.full(DType.BF16, 0.25f,
                    s.wDims()));
            Tensor y = scope.add(m.full(DType.BF16, Float.NaN, s.yDims()));
            var e = assertThrows(IllegalArgumentException.class, () -> rows.forward(y, x, w, s.params()));
            assertEquals("conv2d path DEPTHWISE (the row kernels) takes F32 only, not BF16; 16-bit convolutions run "
                    + "on the AUTO, GEMM, DIRECT or BLOCKED paths", e.getMessage());
            onPath(Conv2dPath.AUTO).forward(y, x, w, s.params());
            float[] got = y.toArray();
            assertTrue(Arrays.stream(toDoubles(got)).noneMatch(Double::isNaN), "AUTO left NaN in y");
            // depthwise: one input channel per output; an interior output sums 9 taps of 0.5·0.25
            assertEquals(DType.BF16.round(0.5f * 0.25f * 9), got[s.q() + 1], "an interior output");
        }
    }

    /**
     * The channel-blocked kernel takes 16 bits (it refused them before, and earlier still read the half-size buffer
     * as floats, past its end): forced, and under AUTO where the policy takes it for 3×3 layers of 64 channels, an
     * F16 or BF16 forward launches conv2d_fwd_blocked and every output is exact: 64 channels × the taps inside the
     * image × 0.5·0.25 (72, 48 or 32, exact in both dtypes).
     */
    @Test
    void blockedKernelComputesSixteenBits() {
        Conv2dShape s = Conv2dShape.parse("mb1ic64ih6oc64kh3ph1");
        float[] want = new float[Conv2dVerifier.size(s.yDims())];
        for (int i = 0; i < want.length; i++) {
            int p = i / s.q() % s.p(), q = i % s.q();
            want[i] = 8f * (p == 0 || p == s.p() - 1 ? 2 : 3) * (q == 0 || q == s.q() - 1 ? 2 : 3);
        }
        Set<KernelBinding> launched = ConcurrentHashMap.newKeySet();
        Device shared = TestBackends.device();
        try (Device device = Device.open(shared.info(), shared.programs().directory(),
                (kernel, options) -> launched.add(kernel))) {
            LaunchPolicy lp = TestBackends.policy();
            List<Conv2dPath> paths = lp.conv2d().blocked().forward() ? List.of(Conv2dPath.BLOCKED, Conv2dPath.AUTO)
                    : List.of(Conv2dPath.BLOCKED);
            for (Conv2dPath path : paths) {
                Conv2dOps ops = new OpenClBackend(device, lp.withConv2d(lp.conv2d().withPath(path))).conv2d();
                for (DType t : List.of(DType.F16, DType.BF16)) {
                    launched.clear();
                    float[] x = new float[Conv2dVerifier.size(s.xDims())], w = new float[Conv2dVerifier.size(
                            s.wDims())];
                    Arrays.fill(x, 0.5f);
                    Arrays.fill(w, 0.25f);
                    assertArrayEquals(want, forward(ops, t, s, x, w), path + " " + t);
                    assertTrue(launched.contains(Conv2dKernel.FWD_BLOCKED.binding()), path + " " + t
                            + " did not launch conv2d_fwd_blocked: " + launched);
                }
            }
        }
    }

    /** A NaN in x reaches exactly the outputs whose window holds it, in 16 bits as in 32, on every path. */
    @Test
    void nanInGivesNanOut() {
        Conv2dShape s = Conv2dShape.parse("mb2ic3ih7oc4kh3ph1");
        float[] x = new RandomFill(TestBackends.seed()).normal(Conv2dVerifier.size(s.xDims()));
        float[] w = new RandomFill(TestBackends.seed() + 1).normal(Conv2dVerifier.size(s.wDims()));
        x[(1 * 3 + 2) * 49 + 3 * 7 + 3] = Float.NaN; // image 1, channel 2, (3, 3)
        for (DType t : List.of(DType.F16, DType.BF16)) {
            for (Conv2dPath path : PATHS) {
                float[] y = forward(onPath(path), t, s, x, w);
                for (int i = 0; i < y.length; i++) {
                    int n = i / (4 * 49), p = i % 49 / 7, q = i % 7;
                    boolean window = n == 1 && Math.abs(p - 3) <= 1 && Math.abs(q - 3) <= 1;
                    assertEquals(window, Float.isNaN(y[i]), t + " " + path + " y[" + i + "] = " + y[i]);
                }
            }
        }
    }

    /** Reruns are bitwise identical; fp16 overflow becomes +Inf. */
    @Test
    void rerunsAreBitwiseAndOverflowIsInfinity() {
        Conv2dShape s = Conv2dShape.parse("mb2ic16ih16oc16kh3ph1");
        float[] x = new RandomFill(TestBackends.seed()).normal(Conv2dVerifier.size(s.xDims()));
        float[] w = new RandomFill(TestBackends.seed() + 3).normal(Conv2dVerifier.size(s.wDims()));
        for (DType t : List.of(DType.F16, DType.BF16)) {
            for (Conv2dPath path : PATHS) {
                assertArrayEquals(forward(onPath(path), t, s, x, w), forward(onPath(path), t, s, x, w),
                        t + " " + path + " rerun");
            }
        }
        float[] big = new float[x.length], wbig = new float[w.length];
        Arrays.fill(big, 300f);
        Arrays.fill(wbig, 100f); // an interior output: 144 taps of 30000
        for (Conv2dPath path : PATHS) {
            float[] y = forward(onPath(path), DType.F16, s, big, wbig);
            assertEquals(Float.POSITIVE_INFINITY, y[s.q() + 1], path + ": fp16 overflow must give +Inf");
        }
    }

    /**
     * The rounding itself, exactly: two input channels summed by weights 1 (the centre tap of a 3×3 filter with
     * padding 1, the others 0, and a 1×1 filter) give fp32-exact sums base + j·step between, on and across 16-bit
     * values (as in HalfGemmTest), plus fp16's 65504 + 16 (+Inf); forward and backward-data on every path store
     * exactly round-to-nearest-even.
     */
    @Test
    void outputsAreRoundedToNearestEven() {
        for (DType d : List.of(DType.F16, DType.BF16)) {
            for (String desc : List.of("mb1ic2ih5iw7oc1kh3ph1", "mb1ic2ih5iw7oc1kh1")) {
                Conv2dShape s = Conv2dShape.parse(desc);
                int hw = 35;
                float base = d == DType.F16 ? 2048 : 256;
                float[] x = new float[2 * hw], want = new float[hw];
                float[] w = new float[2 * s.r() * s.s()];
                w[s.r() * s.s() / 2] = 1;
                w[s.r() * s.s() + s.r() * s.s() / 2] = 1;
                for (int j = 0; j < hw; j++) {
                    x[j] = base;
                    x[hw + j] = j * 0.25f;
                }
                if (d == DType.F16) {
                    x[hw - 1] = 65504;
                    x[2 * hw - 1] = 16;
                }
                for (int j = 0; j < hw; j++) want[j] = d.round(x[j] + x[hw + j]);
                for (Conv2dPath path : PATHS) {
                    assertArrayEquals(want, forward(onPath(path), d, s, x, w), d + " " + desc + " " + path);
                    assertArrayEquals(want, backwardData(onPath(path), d, transposed(s), x, w),
                            d + " " + desc + " backward-data " + path);
                }
            }
        }
    }

    /** The shape whose backward-data sums the two channels of dy with the same filter: K = 2, C = 1. */
    private static Conv2dShape transposed(Conv2dShape s) {
        return new Conv2dShape(s.n(), 1, s.h(), s.w(), 2, s.r(), s.s(), s.params());
    }

    private static float[] backwardData(Conv2dOps ops, DType t, Conv2dShape s, float[] dy, float[] w) {
        Memory m = ops.memory();
        try (TensorScope scope = new TensorScope(m)) {
            Tensor dx = scope.add(m.full(t, Float.NaN, s.xDims()));
            ops.backwardData(dx, scope.add(m.tensor(t, dy, s.yDims())), scope.add(m.tensor(t, w, s.wDims())),
                    s.params());
            return dx.toArray();
        }
    }

    private static float[] forward(Conv2dOps ops, DType t, Conv2dShape s, float[] x, float[] w) {
        Memory m = ops.memory();
        try (TensorScope scope = new TensorScope(m)) {
            Tensor y = scope.add(m.full(t, Float.NaN, s.yDims()));
            ops.forward(y, scope.add(m.tensor(t, x, s.xDims())), scope.add(m.tensor(t, w, s.wDims())), s.params());
            return y.toArray();
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static Conv2dOps onPath(Conv2dPath path) {
        return TestBackends.openCl(TestBackends.policy().withConv2d(TestBackends.policy().conv2d().withPath(path)))
                .conv2d();
    }
}
