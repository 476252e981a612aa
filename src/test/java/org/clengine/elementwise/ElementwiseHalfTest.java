package org.clengine.elementwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The elementwise ops on F16 and BF16 tensors (issue 15) against the reference on the same rounded inputs, outputs
 * poisoned with NaN. copy, fill, scale, add, its gradient and ReLU compute one fp32 operation (exact in double,
 * then rounded to fp32 as the kernel's), then round once to 16 bits on both sides: bit for bit. Sigmoid is held to
 * its fp32 tolerance plus one 16-bit rounding. Inputs include NaN, ±Inf, ±0 and values past F16's range.
 */
class ElementwiseHalfTest {
    private static final int[] SIZES = {1, 7, 1031, 100_003};

    /** One op on (output, inputs) tensors of one memory; the inputs are a, b. */
    private record Op(String name, int inputs, Tolerance tolerance, BiConsumer<ElementwiseOps, Tensor[]> run) {
    }

    private static final List<Op> OPS = List.of(
            new Op("copy", 1, Tolerance.EXACT, (o, t) -> o.copy(t[0], t[1])),
            new Op("fill", 0, Tolerance.EXACT, (o, t) -> o.fill(t[0], 0.1f)),
            new Op("scale", 1, Tolerance.EXACT, (o, t) -> o.scale(t[0], t[1], -0.37f)),
            new Op("add", 2, Tolerance.EXACT, (o, t) -> o.add(t[0], t[1], t[2])),
            new Op("addBackward", 1, Tolerance.EXACT, (o, t) -> o.addBackward(t[0], t[2], t[1])),
            new Op("reluForward", 1, Tolerance.EXACT, (o, t) -> o.reluForward(t[0], t[1])),
            new Op("reluBackward", 2, Tolerance.EXACT, (o, t) -> o.reluBackward(t[0], t[1], t[2])),
            new Op("sigmoidForward", 1, Tolerance.TRANSCENDENTAL, (o, t) -> o.sigmoidForward(t[0], t[1])),
            new Op("sigmoidBackward", 2, Tolerance.TRANSCENDENTAL, (o, t) -> o.sigmoidBackward(t[0], t[1], t[2])));

    @TestFactory
    List<DynamicTest> everyOpMatchesTheReference() {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (DType act : List.of(DType.F16, DType.BF16)) {
            for (Op op : OPS) {
                for (int n : SIZES) {
                    tests.add(dynamicTest(act + " " + op.name() + " n=" + n + " seed=" + seed,
                            () -> check(op, act, n, seed)));
                }
            }
        }
        return tests;
    }

    private static void check(Op op, DType act, int n, long seed) {
        RandomFill r = new RandomFill(seed);
        float[][] in = {r.normal(n), r.normal(n), r.normal(n)};
        if (n > 8) { // the values every 16-bit store must keep or round right
            float[] edge = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 70000f, -1e-9f, 3e38f};
            System.arraycopy(edge, 0, in[0], 1, edge.length);
        }
        float[][] ref = run(TestBackends.REFERENCE.elementwise(), op, act, in);
        float[][] got = run(TestBackends.openCl().elementwise(), op, act, in);
        for (int k = 0; k < ref.length; k++) {
            String what = act + " " + op.name() + " n=" + n + " output " + k + " (seed " + seed + ")";
            if (op.tolerance() == Tolerance.EXACT) {
                assertArrayEquals(ref[k], got[k], what);
            } else {
                for (int i = 0; i < ref[k].length; i++) { // the edges: NaN stays NaN, the rest is compared below
                    if (!Float.isFinite(ref[k][i])) {
                        assertArrayEquals(new float[] {ref[k][i]}, new float[] {got[k][i]}, what + " element " + i);
                        ref[k][i] = got[k][i] = 0;
                    }
                }
                Comparison c = Comparison.of(op.name(), ref[k], got[k], Tolerance.half(act, op.tolerance()));
                assertTrue(c.passed(), what + ": " + c);
            }
        }
    }

    /** Outputs NaN-poisoned, inputs in {@code act}; returns the outputs (addBackward has two). */
    private static float[][] run(ElementwiseOps ops, Op op, DType act, float[][] in) {
        int n = in[0].length;
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor out = scope.full(act, Float.NaN, n);
            Tensor a = scope.tensor(act, in[0], n);
            Tensor b = op.name().equals("addBackward") ? scope.full(act, Float.NaN, n) : scope.tensor(act, in[1], n);
            op.run().accept(ops, new Tensor[] {out, a, b});
            return op.name().equals("addBackward") ? new float[][] {out.toArray(), b.toArray()}
                    : new float[][] {out.toArray()};
        }
    }
}
