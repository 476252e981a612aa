package org.clengine.reference;

import org.clengine.conv.Conv2dShape;

/**
 * 2-D convolution as plain math, the oracle for kernels/conv2d.cl. x is (N, C, H, W), w is (K, C/G, R, S), y is
 * (N, K, P, Q), bias is (K); output channel k of group g = k / (K/G) reads input channels g·C/G … (g+1)·C/G − 1.
 * Input row of output row p and filter row r: h = p·strideH − padTop + r·dilationH (likewise for columns).
 * Accumulation in double.
 */
public final class Conv2dReference {
    private Conv2dReference() {
    }

    /** y = conv(x, w) + bias (bias may be null), then ReLU if the params ask for it. */
    public static void forward(float[] y, float[] x, float[] w, float[] bias, Conv2dShape s) {
        int cg = s.c() / s.groups(), kg = s.k() / s.groups(), pp = s.p(), qq = s.q();
        var pr = s.params();
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.k(); k++) {
                int c0 = k / kg * cg;
                for (int p = 0; p < pp; p++) {
                    for (int q = 0; q < qq; q++) {
                        double acc = bias == null ? 0 : bias[k];
                        for (int c = 0; c < cg; c++) {
                            for (int r = 0; r < s.r(); r++) {
                                int h = p * pr.strideH() - pr.padTop() + r * pr.dilationH();
                                if (h < 0 || h >= s.h()) continue;
                                for (int t = 0; t < s.s(); t++) {
                                    int v = q * pr.strideW() - pr.padLeft() + t * pr.dilationW();
                                    if (v < 0 || v >= s.w()) continue;
                                    acc += (double) x[((n * s.c() + c0 + c) * s.h() + h) * s.w() + v]
                                            * w[((k * cg + c) * s.r() + r) * s.s() + t];
                                }
                            }
                        }
                        if (pr.relu() && acc < 0) acc = 0;
                        y[((n * s.k() + k) * pp + p) * qq + q] = (float) acc;
                    }
                }
            }
        }
    }

    /** dx = the gradient of Σ dy·conv(x, w) with respect to x. */
    public static void backwardData(float[] dx, float[] dy, float[] w, Conv2dShape s) {
        double[] acc = new double[dx.length];
        int cg = s.c() / s.groups(), kg = s.k() / s.groups(), pp = s.p(), qq = s.q();
        var pr = s.params();
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.k(); k++) {
                int c0 = k / kg * cg;
                for (int p = 0; p < pp; p++) {
                    for (int q = 0; q < qq; q++) {
                        double g = dy[((n * s.k() + k) * pp + p) * qq + q];
                        for (int c = 0; c < cg; c++) {
                            for (int r = 0; r < s.r(); r++) {
                                int h = p * pr.strideH() - pr.padTop() + r * pr.dilationH();
                                if (h < 0 || h >= s.h()) continue;
                                for (int t = 0; t < s.s(); t++) {
                                    int v = q * pr.strideW() - pr.padLeft() + t * pr.dilationW();
                                    if (v < 0 || v >= s.w()) continue;
                                    acc[((n * s.c() + c0 + c) * s.h() + h) * s.w() + v] +=
                                            g * w[((k * cg + c) * s.r() + r) * s.s() + t];
                                }
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < dx.length; i++) dx[i] = (float) acc[i];
    }

    /** dw = the gradient with respect to w; dbias (may be null) = Σ dy per output channel. */
    public static void backwardWeights(float[] dw, float[] dbias, float[] dy, float[] x, Conv2dShape s) {
        int cg = s.c() / s.groups(), kg = s.k() / s.groups(), pp = s.p(), qq = s.q();
        var pr = s.params();
        for (int k = 0; k < s.k(); k++) {
            int c0 = k / kg * cg;
            for (int c = 0; c < cg; c++) {
                for (int r = 0; r < s.r(); r++) {
                    for (int t = 0; t < s.s(); t++) {
                        double acc = 0;
                        for (int n = 0; n < s.n(); n++) {
                            for (int p = 0; p < pp; p++) {
                                int h = p * pr.strideH() - pr.padTop() + r * pr.dilationH();
                                if (h < 0 || h >= s.h()) continue;
                                for (int q = 0; q < qq; q++) {
                                    int v = q * pr.strideW() - pr.padLeft() + t * pr.dilationW();
                                    if (v < 0 || v >= s.w()) continue;
                                    acc += (double) dy[((n * s.k() + k) * pp + p) * qq + q]
                                            * x[((n * s.c() + c0 + c) * s.h() + h) * s.w() + v];
                                }
                            }
                        }
                        dw[((k * cg + c) * s.r() + r) * s.s() + t] = (float) acc;
                    }
                }
            }
            if (dbias != null) {
                double sum = 0;
                for (int n = 0; n < s.n(); n++) {
                    for (int i = 0; i < pp * qq; i++) sum += dy[(n * s.k() + k) * pp * qq + i];
                }
                dbias[k] = (float) sum;
            }
        }
    }
}
