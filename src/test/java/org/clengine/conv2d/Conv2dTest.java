package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every convolution op on the OpenCL backend against the reference. */
class Conv2dTest {
    /**
     * 1×1 images, primes, stride > kernel, dilation 2–3, groups 1/2/C, asymmetric padding, batch 1, wide C; strided
     * shapes whose backward-data goes by phases and some that fall back to col2im.
     */
    static final List<String> SHAPES = List.of(
            "mb1ic1ih1oc1kh1", "mb2ic3ih1oc5kh1", "mb1ic1ih5oc1kh5", "mb2ic3ih7oc4kh3ph1", "mb1ic2ih13iw7oc3kh3",
            "mb3ic5ih11oc7kh3sh2", "mb2ic4ih9oc4kh2sh3", "mb1ic3ih17oc2kh1sh4", "mb2ic2ih10oc3kh3dh1",
            "mb1ic3ih15oc2kh3ph2dh2", "mb2ic2ih9iw12oc2kh2kw3dh1dw2", "g2mb2ic4ih8oc6kh3ph1", "g3mb1ic6ih7oc3kh3",
            "g8mb2ic8ih9oc8kh3ph1", "g16mb1ic16ih6oc32kh3sh2ph1", "mb2ic3ih8oc4kh3ph1pb0pw2pr0",
            "mb1ic2ih7iw9oc3kh2kw4ph0pb3pw1pr2", "mb1ic64ih7oc64kh3ph1", "mb1ic256ih3oc128kh1", "mb2ic128ih4oc17kh3ph1",
            "mb7ic3ih5oc2kh3ph1", "mb13ic2ih3oc3kh2", "mb1ic97ih3oc5kh1", "mb1ic5ih31iw29oc3kh5sh2ph2",
            "mb2ic3ih12oc2kh4sh4", "mb1ic1ih23oc1kh7ph3", "mb2ic6ih5oc6kh5ph2", "g2mb1ic6ih11oc4kh3sh2dh1ph2",
            "mb1ic3ih2iw5oc2kh2kw2ph1", "mb3ic1ih4oc3kh3ph1sh3", "mb1ic2ih1iw9oc2kh1kw3pw1",
            "mb1ic4ih6oc2kh3ph1pb0pw0pr2sh2", "mb2ic32ih14oc32kh3ph1", "g32mb1ic32ih9oc32kh3ph1sh2",
            "mb1ic3ih224oc8kh7sh2ph3", "mb2ic16ih28oc24kh1sh2", "mb1ic5ih8oc7kh3dh2ph2", "mb4ic3ih3oc2kh3ph1",
            "mb1ic2ih19oc2kh3sh5ph1", "g5mb2ic10ih7oc15kh1", "mb1ic8ih5iw3oc3kh3kw1ph1", "mb2ic1ih6oc1kh6",
            "mb1ic1ih8oc1kh2sh2", "mb3ic11ih5oc13kh3ph1",
            // strided backward-data by phases: sh != sw, a phase with no taps (1x1), one needing negative padding
            "mb2ic4ih9iw10oc5kh3kw2sh2sw3ph1", "mb2ic9ih8oc16kh1sh2", "mb2ic3ih6oc4kh2sh2ph2",
            "mb1ic3ih7oc4kh3sh2ph1pb3", "g2mb3ic4ih11oc6kh3sh3ph1");

    /** Every shape × op on each path: the one AUTO picks, and each forced. */
    @TestFactory
    List<DynamicTest> everyOpMatchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Conv2dPath path : Conv2dPath.values()) {
            Conv2dOps device = onPath(path);
            for (String d : SHAPES) {
                for (Conv2dVerifier.Variant v : Conv2dVerifier.Variant.values()) {
                    tests.add(dynamicTest(d + " " + v.label() + " " + path + " seed=" + seed, () -> {
                        List<Comparison> r = Conv2dVerifier.run(device, TestBackends.REFERENCE.conv2d(),
                                Conv2dShape.parse(d), v, seed);
                        assertTrue(r.stream().allMatch(Comparison::passed), () -> d + " " + v.label() + " " + path
                                + " (reproduce with -Dclengine.seed=" + seed + "):\n"
                                + r.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
                    }));
                }
            }
        }
        return tests;
    }

    /** The device's convolution with every shape forced onto {@code path} (AUTO: its own choice). */
    private static Conv2dOps onPath(Conv2dPath path) {
        return TestBackends.openCl(TestBackends.policy().withConv2d(TestBackends.policy().conv2d().withPath(path)))
                .conv2d();
    }

    /**
     * Layers big enough that the GEMM path splits the batch into chunks (im2col's 8 MiB, the dot kernel's 1 MiB
     * streamed operand): later chunks add to dW, and each chunk writes its own images, on the path AUTO picks; with
     * two groups, each group's filter packed once serves every chunk; with P·Q < 256 backward-weights' one GEMM
     * per chunk (3 chunks of 2, 2 and 1 images) adds each chunk to dW.
     */
    @TestFactory
    List<DynamicTest> largeLayersSpanSeveralChunks() {
        Conv2dOps device = TestBackends.openCl().conv2d();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (String d : List.of("mb2ic64ih56oc64kh3ph1", "mb2ic64ih56oc256kh1", "g2mb3ic64ih56oc64kh3ph1",
                "g2mb5ic512ih15oc64kh3ph1")) {
            for (Conv2dVerifier.Variant v : Conv2dVerifier.Variant.values()) {
                tests.add(dynamicTest(d + " " + v.label() + " seed=" + seed, () -> {
                    List<Comparison> r = Conv2dVerifier.run(device, TestBackends.REFERENCE.conv2d(),
                            Conv2dShape.parse(d), v, seed);
                    assertTrue(r.stream().allMatch(Comparison::passed), () -> d + " " + v.label()
                            + " (reproduce with -Dclengine.seed=" + seed + "):\n"
                            + r.stream().map(Comparison::toString).collect(Collectors.joining("\n")));
                }));
            }
        }
        return tests;
    }

    /**
     * NaN in gives NaN out, on every path, for every op. A NaN in x (forward, backward-weights) or in dy
     * (backward-data) gives NaN exactly where the reference's plain loops put it. A NaN weight (forward) or a NaN
     * gradient (backward-weights) may reach further, but only within its own filter k: the GEMM and row paths
     * multiply the zero padding (0 × NaN = NaN) where the direct path and the reference skip padded taps, as
     * im2col-based and tap-skipping libraries differ. Never may a NaN of the reference be lost.
     */
    @TestFactory
    List<DynamicTest> nanPropagatesAsInTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (Conv2dPath path : Conv2dPath.values()) {
            Conv2dOps device = onPath(path);
            for (String d : List.of("mb2ic3ih7oc4kh3ph1", "g4mb2ic4ih9oc4kh3ph1", "mb2ic4ih9oc5kh3sh2ph1",
                    "mb2ic8ih6oc16kh1", "mb2ic3ih8oc4kh2sh2dh1ph1")) {
                tests.add(dynamicTest(d + " " + path + " seed=" + seed, () -> {
                    for (int op = 0; op < NAN_OPS.length; op++) checkNan(device, Conv2dShape.parse(d), op, seed);
                }));
            }
        }
        return tests;
    }

    static final String[] NAN_OPS = {"forward, NaN in x", "forward, NaN in w", "backward-data, NaN in dy",
        "backward-weights, NaN in x", "backward-weights, NaN in dy"};

    /** One NaN placed where the reference shows it reaching an output (tried at up to 50 places), then compared. */
    private static void checkNan(Conv2dOps device, Conv2dShape s, int op, long seed) {
        RandomFill r = new RandomFill(seed + op);
        float[][] in = {r.normal((int) prod(s.xDims())), r.normal((int) prod(s.wDims())),
            r.normal((int) prod(s.yDims()))};
        int target = op == 1 ? 1 : op == 2 || op == 4 ? 2 : 0; // 0 x, 1 w, 2 dy
        java.util.Random pick = new java.util.Random(seed + op);
        for (int attempt = 0; attempt < 50; attempt++) {
            int at = pick.nextInt(in[target].length);
            float[][] withNan = {in[0].clone(), in[1].clone(), in[2].clone()};
            withNan[target][at] = Float.NaN;
            float[] expected = runOp(TestBackends.REFERENCE.conv2d(), s, op, withNan);
            long nans = 0;
            for (float v : expected) nans += Float.isNaN(v) ? 1 : 0;
            if (nans == 0) continue; // a tap the stride skips: try another place
            float[] got = runOp(device, s, op, withNan);
            int filter = filterOf(s, target, at);
            for (int i = 0; i < expected.length; i++) {
                boolean mayReach = (op == 1 || op == 4) && filterOf(s, op == 1 ? 2 : 1, i) == filter;
                int e = i;
                assertTrue(Float.isNaN(expected[i]) ? Float.isNaN(got[i]) : !Float.isNaN(got[i]) || mayReach,
                        () -> s + " " + NAN_OPS[op] + " [" + at + "]: element " + e + " is " + got[e]
                                + ", the reference's " + expected[e] + " (seed " + seed + ")");
            }
            return;
        }
        throw new AssertionError(s + " " + NAN_OPS[op] + ": no NaN reached an output in 50 places");
    }

    /** The filter k an element of w (1) or of y/dy (2) belongs to; -1 for x. */
    private static int filterOf(Conv2dShape s, int tensor, int index) {
        if (tensor == 1) return index / (s.c() / s.groups() * s.r() * s.s());
        if (tensor == 2) return index / (s.p() * s.q()) % s.k();
        return -1;
    }

    private static float[] runOp(Conv2dOps b, Conv2dShape s, int op, float[][] in) {
        try (TensorScope scope = new TensorScope(b.memory())) {
            Tensor x = scope.tensor(in[0], s.xDims()), w = scope.tensor(in[1], s.wDims());
            Tensor dy = scope.tensor(in[2], s.yDims());
            Tensor out = scope.full(Float.NaN, op <= 1 ? s.yDims() : op == 2 ? s.xDims() : s.wDims());
            switch (op) {
                case 0, 1 -> b.forward(out, x, w, s.params());
                case 2 -> b.backwardData(out, dy, w, s.params());
                default -> b.backwardWeights(out, dy, x, s.params());
            }
            return out.toArray();
        }
    }

    private static long prod(int[] dims) {
        long p = 1;
        for (int d : dims) p *= d;
        return p;
    }

    /** The canonical descriptor parses back to the same problem, and is stable. */
    @Test
    void descriptorsRoundTrip() {
        for (String d : SHAPES) {
            Conv2dShape s = Conv2dShape.parse(d);
            org.junit.jupiter.api.Assertions.assertEquals(s, Conv2dShape.parse(s.descriptor()), d);
            org.junit.jupiter.api.Assertions.assertEquals(s.descriptor(), Conv2dShape.parse(s.descriptor())
                    .descriptor(), d);
        }
    }

    /** Small integers: every product and sum is exact in fp32, so kernel and reference agree bit for bit. */
    @Test
    void smallIntegersAreExact() {
        Conv2dOps device = TestBackends.openCl().conv2d();
        RandomFill r = new RandomFill(TestBackends.seed());
        for (String d : List.of("mb2ic3ih9oc4kh3ph1sh2", "g2mb1ic4ih6oc2kh2dh1ph1pb0")) {
            Conv2dShape s = Conv2dShape.parse(d);
            float[] x = r.integers(Tensor.elementCount(s.xDims()), 3);
            float[] w = r.integers(Tensor.elementCount(s.wDims()), 3);
            float[] dy = r.integers(Tensor.elementCount(s.yDims()), 3);
            for (Conv2dOps b : List.<Conv2dOps>of(TestBackends.REFERENCE.conv2d(), device)) {
                Memory m = b.memory();
                float[] y = new float[Tensor.elementCount(s.yDims())];
                Conv2dReference.forward(y, x, w, null, s);
                try (Tensor xt = m.tensor(x, s.xDims()); Tensor wt = m.tensor(w, s.wDims());
                        Tensor dyt = m.tensor(dy, s.yDims()); Tensor yt = m.full(Float.NaN, s.yDims());
                        Tensor dxt = m.full(Float.NaN, s.xDims()); Tensor dwt = m.full(Float.NaN, s.wDims())) {
                    b.forward(yt, xt, wt, s.params());
                    assertArrayEquals(y, yt.toArray(), d + " forward on " + m.name());
                    float[] dx = new float[Tensor.elementCount(s.xDims())];
                    Conv2dReference.backwardData(dx, dy, w, s);
                    b.backwardData(dxt, dyt, wt, s.params());
                    assertArrayEquals(dx, dxt.toArray(), d + " backward-data on " + m.name());
                    float[] dw = new float[Tensor.elementCount(s.wDims())];
                    Conv2dReference.backwardWeights(dw, null, dy, x, s);
                    b.backwardWeights(dwt, dyt, xt, s.params());
                    assertArrayEquals(dw, dwt.toArray(), d + " backward-weights on " + m.name());
                }
            }
        }
    }

    /** Impossible configurations are errors naming the numbers, on both backends. */
    @Test
    void impossibleConfigurationsAreClearErrors() {
        assertMessage("kernel size 5×5 (dilated 5×5) is larger than the padded input 4×4",
                () -> Conv2dShape.parse("mb1ic1ih4oc1kh5"));
        assertMessage("groups 2 must divide the input channels 3", () -> Conv2dShape.parse("g2mb1ic3ih4oc2kh1"));
        assertMessage("dilated 5×5", () -> Conv2dShape.parse("mb1ic1ih4oc1kh3dh1"));
        assertMessage("stride must be at least 1", () -> Conv2dParams.DEFAULT.withStride(0, 1));
        assertMessage("padding must be non-negative", () -> Conv2dParams.DEFAULT.withPadding(-1, 0));
        assertMessage("is not a conv2d descriptor", () -> Conv2dShape.parse("mb1ic1ih4"));
        for (Conv2dOps b : List.<Conv2dOps>of(TestBackends.REFERENCE.conv2d(), TestBackends.openCl().conv2d())) {
            Memory m = b.memory();
            try (Tensor x = m.full(1f, 1, 4, 5, 5); Tensor w = m.full(1f, 2, 3, 3, 3); Tensor y = m.full(1f, 1, 2, 3, 3);
                    Tensor w2 = m.full(1f, 2, 4, 3, 3); Tensor bias = m.full(0f, 3)) {
                assertMessage("have 3 input channels per group", () -> b.forward(y, x, w, Conv2dParams.DEFAULT));
                assertMessage("y has shape [1, 2, 3, 3], expected [1, 2, 5, 5]", () -> b.forward(y, x, w2,
                        Conv2dParams.DEFAULT.withPadding(1, 1)));
                assertMessage("bias has shape [3], expected [2]", () -> b.forward(y, x, w2, bias,
                        Conv2dParams.DEFAULT));
                assertMessage("params is null", () -> b.forward(y, x, w2, null, (Conv2dParams) null));
                assertMessage("x is null", () -> b.forward(y, null, w2, Conv2dParams.DEFAULT));
            }
        }
    }

    private static void assertMessage(String words, org.junit.jupiter.api.function.Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }
}
