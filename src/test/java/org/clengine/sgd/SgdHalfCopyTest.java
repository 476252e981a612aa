package org.clengine.sgd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SGD keeping fp32 master weights and writing a 16-bit copy in the same pass (issue 15): the fp32 weights are those
 * of the plain update, the copy is exactly the new fp32 weights rounded to its dtype (on each backend: one rounding
 * of its own result), and the device agrees with the reference within SGD's tolerance plus one 16-bit rounding.
 */
class SgdHalfCopyTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void theCopyIsTheNewMasterWeightsRounded(DType act) {
        long seed = TestBackends.seed();
        for (int n : new int[] {1, 7, 4099, 100_003}) {
            RandomFill r = new RandomFill(seed);
            float[] param = r.normal(n), buf = r.normal(n), grad = r.normal(n);
            if (n > 4) param[3] = 70000f; // past F16's range: its copy is infinite, the master stays finite
            SgdParams p = new SgdParams(0.1f, 0.9f, 1e-4f);
            float[][] ref = step(TestBackends.REFERENCE.sgd(), param, buf, grad, p, act);
            float[][] dev = step(TestBackends.openCl().sgd(), param, buf, grad, p, act);
            float[][] plain = step(TestBackends.openCl().sgd(), param, buf, grad, p, null);
            String what = act + " n=" + n + " seed " + seed;
            assertArrayEquals(plain[0], dev[0], what + ": the master weights are the plain update's");
            for (float[][] side : new float[][][] {ref, dev}) {
                for (int i = 0; i < n; i++) {
                    assertEquals(act.round(side[0][i]), side[1][i], what + ": copy element " + i);
                }
            }
            Comparison c = Comparison.of("copy", finite(ref[1]), finite(dev[1]), Tolerance.half(act, Tolerance.SGD));
            assertTrue(c.passed(), what + ": " + c);
        }
    }

    /** One update; returns {param after, copy} (copy null without a 16-bit dtype). */
    private static float[][] step(SgdOps ops, float[] param, float[] buf, float[] grad, SgdParams p, DType act) {
        int n = param.length;
        try (TensorScope s = new TensorScope(ops.memory())) {
            Tensor pt = s.tensor(param, n);
            Tensor copy = act == null ? null : s.full(act, Float.NaN, n);
            ops.update(pt, s.tensor(buf, n), s.tensor(grad, n), p, copy);
            return new float[][] {pt.toArray(), copy == null ? null : copy.toArray()};
        }
    }

    /** Infinite copies (checked above to be the rounding's) left out of the norm. */
    private static float[] finite(float[] v) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) if (!Float.isFinite(out[i])) out[i] = 0;
        return out;
    }
}
