package org.clengine.sgd;

import static org.clengine.testing.Checks.allPassed;
import static org.clengine.testing.Checks.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.sgd.opencl.SgdOpenCl;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** SGD on OpenCL against the reference, PyTorch's formula by hand, bad calls. */
class SgdTest {
    static final List<SgdParams> PARAMS = List.of(new SgdParams(0.1f, 0.9f, 0.01f), new SgdParams(0.05f, 0.5f, 0f),
            new SgdParams(0.1f, 0f, 0.01f), new SgdParams(1f, 0f, 0f));

    @TestFactory
    List<DynamicTest> matchesTheReference() {
        SgdOps device = TestBackends.openCl().sgd();
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (int n : new int[] {1, 5, 4095, 4097, 12289, 100000}) {
            for (SgdParams p : PARAMS) {
                String name = "n" + n + " " + p;
                tests.add(dynamicTest(name + " seed=" + seed, () -> allPassed(name, seed,
                        SgdVerification.run(device, TestBackends.REFERENCE.sgd(), n, p, seed))));
            }
        }
        return tests;
    }

    /** The span and local size change speed only: span 5 in groups of 3 still matches the reference. */
    @Test
    void oddSpansMatchTheReference() {
        var policy = TestBackends.policy().sgd().withSpan(5).withLocal(3);
        SgdOps odd = new SgdOpenCl(TestBackends.device(), policy);
        long seed = TestBackends.seed();
        for (int n : new int[] {1, 16, 4099}) {
            for (SgdParams p : PARAMS) {
                allPassed("n" + n + " " + p + " span 5 local 3", seed,
                        SgdVerification.run(odd, TestBackends.REFERENCE.sgd(), n, p, seed));
            }
        }
    }

    /**
     * torch.optim.SGD([p], lr=0.5, momentum=0.5, weight_decay=0.25) with p = 2 and gradients 1 then 2:
     * step 1: d = 1 + 0.5 = 1.5, buf = 1.5, p = 2 − 0.75 = 1.25; step 2: d = 2 + 0.3125 = 2.3125,
     * buf = 0.75 + 2.3125 = 3.0625, p = 1.25 − 1.53125 = −0.28125. All exact in binary.
     */
    @Test
    void pytorchFormulaByHand() {
        SgdParams p = new SgdParams(0.5f, 0.5f, 0.25f);
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            try (Tensor param = b.full(2, 1); Tensor buf = b.full(0, 1); Tensor g1 = b.full(1, 1);
                    Tensor g2 = b.full(2, 1)) {
                b.sgd().update(param, buf, g1, p);
                assertArrayEquals(new float[] {1.25f}, param.toArray(), b.name());
                assertArrayEquals(new float[] {1.5f}, buf.toArray(), b.name());
                b.sgd().update(param, buf, g2, p);
                assertArrayEquals(new float[] {-0.28125f}, param.toArray(), b.name());
                assertArrayEquals(new float[] {3.0625f}, buf.toArray(), b.name());
            }
        }
    }

    @Test
    void badCallsAreClearErrors() {
        rejects("learning rate must be non-negative and finite, got -1.0", () -> new SgdParams(-1, 0, 0));
        rejects("momentum must be in [0, 1), got 1.0", () -> new SgdParams(0.1f, 1, 0));
        rejects("weight decay must be non-negative and finite, got NaN", () -> new SgdParams(0.1f, 0, Float.NaN));
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            SgdOps sgd = b.sgd();
            try (Tensor p = b.full(1, 4); Tensor g = b.full(1, 5)) {
                rejects("momentum buffer is required when momentum is 0.9", () -> sgd.update(p, p,
                        new SgdParams(0.1f, 0.9f, 0)));
                rejects("momentum buffer must be null when momentum is 0.0", () -> sgd.update(p, p, p,
                        new SgdParams(0.1f, 0, 0)));
                rejects("grad has shape [5], expected [4]", () -> sgd.update(p, g, new SgdParams(0.1f, 0, 0)));
                rejects("params is null", () -> sgd.update(p, p, null));
            }
        }
    }
}
