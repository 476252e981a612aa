package org.clengine.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.testing.TestBackends;
import org.clengine.core.Tensor;
import org.clengine.batchnorm.BatchNormVariant;
import org.clengine.batchnorm.BatchNormVerifier;
import org.clengine.verify.Comparison;
import org.clengine.conv2d.Conv2dVerifier;

/**
 * Properties over random shapes and parameters, on both backends: results agree within tolerance, and the only
 * exceptions are the documented ones, with the same message on both. jqwik shrinks a counterexample and prints
 * the seed to rerun it with.
 */
class OpPropertiesTest {

    @Property(tries = 80)
    void batchNormAgreesWithTheReference(@ForAll("batchNormShapes") BatchNormShape s,
            @ForAll BatchNormVariant v, @ForAll long seed) {
        if (v.op != org.clengine.batchnorm.BatchNormOp.FORWARD_INFERENCE && s.perChannel() < 2) {
            return; // training needs two values per channel: a documented error, tested elsewhere
        }
        List<Comparison> r = BatchNormVerifier.run(TestBackends.openCl().batchNorm(),
                TestBackends.REFERENCE.batchNorm(), s, v, seed);
        assertTrue(r.stream().allMatch(Comparison::passed), () -> s + " " + v.label() + ": "
                + r.stream().map(Comparison::toString).collect(Collectors.joining("; ")));
    }

    @Provide
    Arbitrary<BatchNormShape> batchNormShapes() {
        Arbitrary<Integer> small = Arbitraries.integers().between(1, 9);
        Arbitrary<Integer> channels = Arbitraries.integers().between(1, 70);
        Arbitrary<Integer> spatial = Arbitraries.integers().between(1, 23);
        Arbitrary<Integer> rank = Arbitraries.integers().between(2, 4);
        return Combinators.combine(small, channels, spatial, spatial, rank)
                .as((n, c, h, w, r) -> r == 2 ? BatchNormShape.of(n, c) : r == 3 ? BatchNormShape.of(n, c, w)
                        : BatchNormShape.of(n, c, h, w));
    }

    /** Any combination: valid ones agree with the reference; invalid ones fail the same way on both backends. */
    @Property(tries = 120)
    void convolutionAgreesOrFailsTheSameWay(@ForAll @IntRange(min = 1, max = 3) int n,
            @ForAll @IntRange(min = 1, max = 3) int groups, @ForAll @IntRange(min = 1, max = 3) int cPerGroup,
            @ForAll @IntRange(min = 1, max = 3) int kPerGroup, @ForAll @IntRange(min = 1, max = 11) int h,
            @ForAll @IntRange(min = 1, max = 11) int w, @ForAll @IntRange(min = 1, max = 4) int r,
            @ForAll @IntRange(min = 1, max = 4) int s, @ForAll @IntRange(min = 1, max = 3) int stride,
            @ForAll @IntRange(min = 1, max = 3) int dilation, @ForAll @IntRange(min = 0, max = 2) int padTop,
            @ForAll @IntRange(min = 0, max = 2) int padLeft, @ForAll @IntRange(min = 0, max = 2) int padBottom,
            @ForAll Conv2dVerifier.Variant variant, @ForAll long seed) {
        Conv2dParams p = new Conv2dParams(stride, stride, padTop, padBottom, padLeft, padLeft, dilation, dilation,
                groups, false);
        Conv2dShape shape;
        try {
            shape = new Conv2dShape(n, groups * cPerGroup, h, w, groups * kPerGroup, r, s, p);
        } catch (IllegalArgumentException invalid) {
            assertSameFailure(invalid.getMessage(), n, groups * cPerGroup, h, w, groups * kPerGroup, r, s, p);
            return;
        }
        List<Comparison> res = Conv2dVerifier.run(TestBackends.openCl().conv2d(),
                TestBackends.REFERENCE.conv2d(), shape, variant, seed);
        assertTrue(res.stream().allMatch(Comparison::passed), () -> shape + " " + variant.label() + ": "
                + res.stream().map(Comparison::toString).collect(Collectors.joining("; ")));
    }

    /** Both backends reject the same impossible call with the shape's own message, and stay usable. */
    private static void assertSameFailure(String message, int n, int c, int h, int w, int k, int r, int s,
            Conv2dParams p) {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (Tensor x = b.full(1f, n, c, h, w); Tensor wt = b.full(1f, k, Math.max(1, c / p.groups()), r, s);
                    Tensor y = b.full(0f, 1)) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> b.conv2d().forward(y, x, wt, null, p));
                if (c % p.groups() == 0) assertEquals(message, e.getMessage(), b.name());
            }
        }
    }

    /** Any dimensions: a tensor, or IllegalArgumentException naming the shape; nothing else. */
    @Property(tries = 300)
    void tensorShapesEitherWorkOrFailClearly(@ForAll("dims") int[] dims) {
        double elements = 1;
        for (int d : dims) elements *= d;
        boolean bad = dims.length == 0 || java.util.Arrays.stream(dims).anyMatch(d -> d <= 0) || elements >= 0x1p31;
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            if (bad) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> b.full(2f, dims));
                assertTrue(e.getMessage().contains("shape"), e.getMessage());
            } else if (elements <= 4_000_000) {
                try (Tensor t = b.full(2f, dims)) {
                    assertEquals((long) elements, t.size());
                }
            }
        }
    }

    @Provide
    Arbitrary<int[]> dims() {
        Arbitrary<Integer> dim = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 40)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-3, 0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(100_000, Integer.MAX_VALUE)));
        return dim.array(int[].class).ofMinSize(0).ofMaxSize(5);
    }
}
