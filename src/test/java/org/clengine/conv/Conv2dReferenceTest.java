package org.clengine.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.reference.Conv2dReference;
import org.clengine.tensor.Tensor;
import org.clengine.testing.FiniteDifferences;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The oracle itself: a hand-worked case, and both backward ops against central finite differences in double. */
class Conv2dReferenceTest {

    @Test
    void handWorkedPaddedStridedCase() {
        // x = 1..9 as 3×3, w = [[1,0],[0,-1]], padding 1, stride 2 → 2×2 output
        Conv2dShape s = Conv2dShape.parse("mb1ic1ih3oc1kh2sh2ph1");
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] y = new float[4];
        Conv2dReference.forward(y, x, new float[] {1, 0, 0, -1}, new float[] {10}, s);
        // windows start at (-1,-1), (-1,1), (1,-1), (1,1): y = x[h][v]·1 − x[h+1][v+1]·1 + 10 (padding is 0)
        assertArrayEquals(new float[] {10 - 1, 10 - 3, 10 - 7, 10 + 5 - 9}, y);
    }

    /** loss = Σ dy·conv(x, w): its gradients by central differences must match backward-data and -weights. */
    @ParameterizedTest
    @ValueSource(strings = {"mb2ic3ih5oc2kh3ph1", "g2mb1ic4ih6iw5oc2kh2sh2dh1ph1pb0pr2", "mb1ic2ih4oc3kh1sh3"})
    void backwardMatchesFiniteDifferences(String d) {
        Conv2dShape s = Conv2dShape.parse(d);
        RandomFill r = new RandomFill(7);
        float[] x = r.normal(Tensor.elementCount(s.xDims()));
        float[] w = r.normal(Tensor.elementCount(s.wDims()));
        float[] dy = r.normal(Tensor.elementCount(s.yDims()));
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        float[] dbias = new float[s.k()];
        Conv2dReference.backwardData(dx, dy, w, s);
        Conv2dReference.backwardWeights(dw, dbias, dy, x, s);
        double[] xd = FiniteDifferences.toDouble(x), wd = FiniteDifferences.toDouble(w), bd = new double[s.k()];
        FiniteDifferences.check(d + " dx", dx, xd, () -> loss(xd, wd, bd, dy, s), 1e-3, 1e-6);
        FiniteDifferences.check(d + " dw", dw, wd, () -> loss(xd, wd, bd, dy, s), 1e-3, 1e-6);
        FiniteDifferences.check(d + " dbias", dbias, bd, () -> loss(xd, wd, bd, dy, s), 1e-3, 1e-6);
    }


    /** Σ dy·(conv(x, w) + bias), written out in double independently of the reference's loops. */
    private static double loss(double[] x, double[] w, double[] bias, float[] dy, Conv2dShape s) {
        var p = s.params();
        int cg = s.c() / s.groups(), kg = s.k() / s.groups();
        double total = 0;
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.k(); k++) {
                for (int oh = 0; oh < s.p(); oh++) {
                    for (int ow = 0; ow < s.q(); ow++) {
                        double acc = bias[k];
                        for (int c = 0; c < cg; c++) {
                            for (int i = 0; i < s.r(); i++) {
                                for (int j = 0; j < s.s(); j++) {
                                    int h = oh * p.strideH() - p.padTop() + i * p.dilationH();
                                    int v = ow * p.strideW() - p.padLeft() + j * p.dilationW();
                                    if (h >= 0 && h < s.h() && v >= 0 && v < s.w()) {
                                        acc += x[((n * s.c() + k / kg * cg + c) * s.h() + h) * s.w() + v]
                                                * w[((k * cg + c) * s.r() + i) * s.s() + j];
                                    }
                                }
                            }
                        }
                        total += dy[((n * s.k() + k) * s.p() + oh) * s.q() + ow] * acc;
                    }
                }
            }
        }
        return total;
    }

}
