package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.core.Tensor;
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

    /** The GEMM path's twins: conv = W·im2col(x); col2im is im2col's adjoint; flipped-filter forward = dx. */
    @ParameterizedTest
    @ValueSource(strings = {"mb2ic3ih5oc2kh3ph1", "mb1ic2ih7iw6oc3kh2kw3dh1ph1pb0pw2pr1", "mb2ic4ih6oc2kh3sh2ph1"})
    void gemmPathTwinsAgreeWithTheDefinition(String d) {
        Conv2dShape s = Conv2dShape.parse(d);
        RandomFill r = new RandomFill(11);
        float[] x = r.normal(Tensor.elementCount(s.xDims()));
        float[] w = r.normal(Tensor.elementCount(s.wDims()));
        int rows = s.c() * s.r() * s.s(), pq = s.p() * s.q();
        float[] col = new float[s.n() * rows * pq];
        Conv2dReference.im2col(col, x, 0, s.n(), s);
        float[] y = new float[Tensor.elementCount(s.yDims())];
        Conv2dReference.forward(y, x, w, null, s);
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.k(); k++) {
                for (int i = 0; i < pq; i++) {
                    double acc = 0;
                    for (int j = 0; j < rows; j++) acc += (double) w[k * rows + j] * col[(n * rows + j) * pq + i];
                    org.junit.jupiter.api.Assertions.assertEquals(y[(n * s.k() + k) * pq + i], acc, 1e-5, d);
                }
            }
        }
        float[] dcol = r.normal(col.length);
        float[] back = new float[x.length];
        Conv2dReference.col2im(back, dcol, 0, s.n(), s);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < col.length; i++) lhs += (double) col[i] * dcol[i];
        for (int i = 0; i < x.length; i++) rhs += (double) x[i] * back[i];
        org.junit.jupiter.api.Assertions.assertEquals(lhs, rhs, 1e-6 * Math.abs(lhs) + 1e-9, d + " adjoint (col2im rounds to float)");
        Conv2dShape asForward = s.backwardDataAsForward();
        if (asForward != null) {
            float[] dy = r.normal(y.length);
            float[] dx = new float[x.length];
            Conv2dReference.backwardData(dx, dy, w, s);
            float[] wf = new float[w.length];
            Conv2dReference.flipWeights(wf, w, s);
            float[] viaForward = new float[x.length];
            Conv2dReference.forward(viaForward, dy, wf, null, asForward);
            assertArrayEquals(dx, viaForward, 1e-5f, d + " backward-data as a forward convolution");
        }
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
