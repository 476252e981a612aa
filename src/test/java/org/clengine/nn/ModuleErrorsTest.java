package org.clengine.nn;

import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.train.Models;
import org.junit.jupiter.api.Test;

/** A model fed the wrong input, or driven in the wrong order, fails with a message naming the layer and shapes. */
class ModuleErrorsTest {
    final Backend b = TestBackends.REFERENCE;

    @Test
    void mismatchedInputsNameTheLayer() {
        try (Sequential cnn = Models.build(Models.Kind.CNN, b, 1, 28, 28, 10, Models.Norm.BEFORE_RELU, 1);
                Tensor rgb = b.full(0, 2, 3, 28, 28); Tensor big = b.full(0, 2, 1, 32, 32);
                Tensor flat = b.full(0, 2, 784)) {
            rejects("Conv2d(1→32, 3×3) takes input [N, 1, H, W], got [2, 3, 28, 28]", () -> cnn.forward(rgb));
            rejects("Linear(3136→128) takes input [N, 3136], got [2, 4096]", () -> cnn.forward(big));
            rejects("takes input [N, 1, H, W], got [2, 784]", () -> cnn.forward(flat));
        }
        try (BatchNorm bn = BatchNorm.batchNorm1d(b, 4); Tensor x = b.full(0, 2, 4, 3, 3)) {
            rejects("BatchNorm1d(4) expects [N,4] or [N,4,L], got [2, 4, 3, 3]", () -> bn.forward(x));
        }
        try (Add add = new Add(b); Tensor a = b.full(0, 2, 3); Tensor c = b.full(0, 3, 2)) {
            rejects("Add: shapes differ, [2, 3] + [3, 2]", () -> add.forward(a, c));
        }
    }

    @Test
    void wrongOrderIsAnError() {
        try (Linear lin = new Linear(b, 3, 2, true, new Init(1)); Tensor dy = b.full(0, 4, 2);
                BatchNorm bn = BatchNorm.batchNorm2d(b, 2); Tensor x = b.full(1, 2, 2, 2, 2)) {
            var e = assertThrows(IllegalStateException.class, () -> lin.backward(dy));
            assertTrue(e.getMessage().contains("Linear(3→2): backward before forward"), e.getMessage());
            bn.eval();
            bn.forward(x);
            var f = assertThrows(IllegalStateException.class, () -> bn.backward(x));
            assertTrue(f.getMessage().contains("needs a training-mode forward"), f.getMessage());
        }
        try (Linear lin = new Linear(b, 3, 2, true, new Init(1)); Tensor x = b.full(0, 4, 3);
                Tensor dy = b.full(0, 5, 2)) {
            lin.forward(x);
            rejects("Linear(3→2) backward takes input [4, 2], got [5, 2]", () -> lin.backward(dy));
        }
    }
}
