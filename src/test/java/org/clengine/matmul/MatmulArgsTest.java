package org.clengine.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.testing.TestBackends;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.junit.jupiter.api.Test;

/** Descriptors, and bad calls: each a clear exception, the same on both backends, before anything runs. */
class MatmulArgsTest {

    @Test
    void descriptorsRoundTrip() {
        for (String d : List.of("m1n1k1", "m1024n1024k1024", "b8m64n3136k576", "m7n93k257tatb", "m3n4k5ta",
                "b2m3n4k5tb")) {
            assertEquals(d, MatmulShape.parse(d).descriptor());
        }
        MatmulShape s = MatmulShape.parse("b2m3n4k5ta");
        assertEquals(2.0 * 2 * 3 * 4 * 5, s.flops());
        assertEquals(4L * 2 * (3 * 5 + 5 * 4 + 3 * 4), s.bytes());
        assertEquals(4L * 2 * (3 * 5 + 5 * 4 + 2 * 3 * 4), s.bytes(true));
        assertEquals(5, s.aRows());
        assertThrows(IllegalArgumentException.class, () -> MatmulShape.parse("m0n1k1"));
        assertThrows(IllegalArgumentException.class, () -> MatmulShape.parse("1024x1024"));
    }

    @Test
    void shapesFromTensors() {
        MatmulOps b = TestBackends.REFERENCE.matmul();
        try (TensorScope s = new TensorScope(b.memory())) {
            Tensor c = s.full(0, 2, 3, 4);
            assertEquals(MatmulShape.parse("b2m3n4k5"),
                    MatmulShape.fromTensors(c, s.full(1, 2, 3, 5), s.full(1, 2, 5, 4)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.matmul(c, s.full(1, 2, 3, 5), s.full(1, 2, 6, 4)));
            assertTrue(e.getMessage().contains("do not chain"), e.getMessage());
        }
    }

    /** C = A·B from tensor shapes computes on both backends. */
    @Test
    void tensorShapedCall() {
        for (MatmulOps b : both()) {
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor c = s.full(Float.NaN, 2, 2);
                b.matmul(c, s.tensor(new float[] {1, 2, 3, 4}, 2, 2), s.tensor(new float[] {5, 6, 7, 8}, 2, 2));
                assertEquals(List.of(19f, 22f, 43f, 50f), boxed(c.toArray()), b.memory().name());
            }
        }
    }

    @Test
    void badCallsFailClearlyOnBothBackends() {
        MatmulShape s = MatmulShape.parse("m4n5k6");
        MatmulLayout l = MatmulLayout.contiguous(s);
        MatmulParams p = MatmulParams.DEFAULT;
        expect("A has 23 floats, m4n5k6 needs 24", t -> t.gemm(t.c, t.f(23), t.f(30), null, s, l, p));
        expect("lda 5 is less than the 6 columns of A", t -> t.gemm(t.c, t.f(24), t.f(30), null, s,
                l.withA(0, 5, 24), p));
        expect("B has 30 floats, m4n5k6tb needs 31", t -> t.gemm(t.c, t.f(24), t.f(30), null,
                s.withTransposes(false, true), l.withB(1, 6, 0), p));
        expect("C offset -1 is negative", t -> t.gemm(t.c, t.f(24), t.f(30), null, s, l.withC(-1, 5, 20), p));
        expect("strideC 19 makes the 2 C matrices", t -> t.gemm(t.f(39), t.f(48), t.f(60), null,
                s.withBatch(2), MatmulLayout.contiguous(s.withBatch(2)).withC(0, 5, 19), p));
        expect("bias is required when the bias mode is PER_ROW", t -> t.gemm(t.c, t.f(24), t.f(30), null, s, l,
                p.withBias(MatmulBias.PER_ROW)));
        expect("bias has 5 floats, m4n5k6 with a bias PER_ROW needs 4", t -> t.gemm(t.c, t.f(24), t.f(30),
                t.f(5), s, l, p.withBias(MatmulBias.PER_ROW)));
        expect("bias must be null when the bias mode is NONE", t -> t.gemm(t.c, t.f(24), t.f(30), t.f(4), s, l,
                p));
        expect("C and A share storage (one tensor, or views of one) and their ranges overlap", t -> {
            Tensor x = t.f(64);
            t.gemm(x, x, t.f(30), null, s, l.withC(20, 5, 20), p);
        });
        expect("A is null", t -> t.gemm(t.c, null, t.f(30), null, s, l, p));
        expect("shape is null", t -> t.gemm(t.c, t.f(24), t.f(30), null, null, l, p));
        expect("is closed", t -> {
            Tensor a = t.f(24);
            a.close();
            t.gemm(t.c, a, t.f(30), null, s, l, p);
        });
        assertThrows(IllegalArgumentException.class, () -> new MatmulShape(1, 0, 1, 1, false, false));
    }

    /**
     * Batches whose A overlap (stride 1: BLAS allows any stride) would pack 300 copies of 8·2^20 floats, more than a
     * buffer the kernels index by int (and than the device holds): the device runs them on the plain path instead,
     * reading A in place. Before, the packing scratch was refused on the device and the reference ran.
     */
    @Test
    void overlappingBatchesAreNotPackedPastInt() {
        int k = 1 << 20, batch = 300;
        MatmulShape s = new MatmulShape(batch, 1, 1, k, false, false);
        MatmulLayout l = new MatmulLayout(0, k, 1, 0, 1, 0, 0, 1, 1);
        MatmulOps device = TestBackends.openCl().matmul();
        try (TensorScope sc = new TensorScope(device.memory())) {
            Tensor c = sc.full(0, batch);
            device.gemm(Gemm.of(c, sc.full(1, k + batch), sc.full(1, k), s).layout(l));
            float[] out = c.toArray();
            for (float v : out) assertEquals((float) k, v);
        }
    }

    /** Disjoint parts of one tensor may be C and A: [1 2]·[3; 4] = 11 written after them. */
    @Test
    void disjointPartsOfOneTensor() {
        for (MatmulOps b : both()) {
            try (TensorScope s = new TensorScope(b.memory())) {
                Tensor x = s.tensor(new float[] {1, 2, Float.NaN}, 3);
                b.gemm(Gemm.of(x, x, s.tensor(new float[] {3, 4}, 2), MatmulShape.of(1, 1, 2))
                        .layout(new MatmulLayout(0, 2, 0, 0, 1, 0, 2, 1, 0)));
                assertEquals(11f, x.toArray()[2], b.memory().name());
            }
        }
    }

    private static List<MatmulOps> both() {
        return List.of(TestBackends.REFERENCE.matmul(), TestBackends.openCl().matmul());
    }

    private record Call(MatmulOps ops, TensorScope s, Tensor c) {
        Tensor f(int n) {
            return s.full(1, n);
        }

        void gemm(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
                MatmulParams params) {
            ops.gemm(Gemm.of(c, a, b, shape).layout(layout).params(params).bias(bias));
        }
    }

    private static void expect(String message, Consumer<Call> call) {
        for (MatmulOps ops : both()) {
            String name = ops.memory().name();
            try (TensorScope s = new TensorScope(ops.memory())) {
                RuntimeException e = assertThrows(RuntimeException.class, () -> call.accept(new Call(ops, s,
                        s.full(0, 20))), name);
                assertTrue(e.getMessage().contains(message), name + ": expected '" + message + "' in '"
                        + e.getMessage() + "'");
            }
        }
    }

    private static List<Float> boxed(float[] x) {
        List<Float> out = new java.util.ArrayList<>();
        for (float v : x) out.add(v);
        return out;
    }
}
