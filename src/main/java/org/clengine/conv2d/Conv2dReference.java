package org.clengine.conv2d;

import static org.clengine.core.HostTensor.data;

import org.clengine.batchnorm.BatchNormReference;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.core.HostTensor;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * 2-D convolution as plain math, the oracle for kernels/conv2d.cl. x is (N, C, H, W), w is (K, C/G, R, S), y is
 * (N, K, P, Q), bias is (K); output channel k of group g = k / (K/G) reads input channels g·C/G … (g+1)·C/G − 1.
 * Input row of output row p and filter row r: h = p·strideH − padTop + r·dilationH (likewise for columns).
 * Accumulation in double; 16-bit inputs are read as the values they hold, 16-bit y and dx rounded once at the end
 * (to nearest even, as the kernels store them); dw and dbias are F32. As {@link Conv2dOps}, on the host's tensors; the static methods are the math on arrays.
 */
public final class Conv2dReference extends Conv2dOps {
    private final BatchNormReference batchNorm = new BatchNormReference();

    public Conv2dReference() {
        super(Memory.HOST);
    }

    @Override
    protected void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape s) {
        forward(data(y), data(x), data(w), data(bias), s);
        HostTensor.round(y); // a 16-bit y holds the sum rounded once, as the kernels store it
    }

    @Override
    protected void backwardData(Tensor dx, Tensor dy, Tensor w, Conv2dShape s) {
        backwardData(data(dx), data(dy), data(w), s);
        HostTensor.round(dx);
    }

    @Override
    protected void backwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dShape s) {
        backwardWeights(data(dw), data(dbias), data(dy), data(x), s);
    }

    /** The unfused pair: the convolution into bn.x(), then the batch norm reference on it. */
    @Override
    protected void forwardBatchNormTraining(Tensor x, Tensor w, Tensor bias, Conv2dShape conv, BatchNormTraining bn,
            BatchNormShape shape) {
        forward(data(bn.x()), data(x), data(w), data(bias), conv);
        HostTensor.round(bn.x());
        batchNorm.forwardTraining(bn);
    }

    /** Receives one product of the convolution: flat indices into y, x and w. */
    public interface Tap {
        void at(int yi, int xi, int wi);
    }

    /**
     * Visits every product the convolution sums: output (n, k, p, q) × filter tap (c, r, t) whose input position
     * (h, v) lies inside the image. All three ops are this one loop with a different accumulation.
     */
    public static void forEachTap(Conv2dShape s, Tap tap) {
        int cg = s.c() / s.groups(), kg = s.k() / s.groups();
        var pr = s.params();
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.k(); k++) {
                int c0 = k / kg * cg;
                for (int p = 0; p < s.p(); p++) {
                    for (int q = 0; q < s.q(); q++) {
                        int yi = ((n * s.k() + k) * s.p() + p) * s.q() + q;
                        for (int c = 0; c < cg; c++) {
                            for (int r = 0; r < s.r(); r++) {
                                int h = p * pr.strideH() - pr.padTop() + r * pr.dilationH();
                                if (h < 0 || h >= s.h()) continue;
                                for (int t = 0; t < s.s(); t++) {
                                    int v = q * pr.strideW() - pr.padLeft() + t * pr.dilationW();
                                    if (v < 0 || v >= s.w()) continue;
                                    tap.at(yi, ((n * s.c() + c0 + c) * s.h() + h) * s.w() + v,
                                            ((k * cg + c) * s.r() + r) * s.s() + t);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** y = conv(x, w) + bias (bias may be null), then ReLU if the params ask for it. */
    public static void forward(float[] y, float[] x, float[] w, float[] bias, Conv2dShape s) {
        double[] acc = new double[y.length];
        forEachTap(s, (yi, xi, wi) -> acc[yi] += (double) x[xi] * w[wi]);
        int pq = s.p() * s.q();
        for (int i = 0; i < y.length; i++) {
            double v = acc[i] + (bias == null ? 0 : bias[i / pq % s.k()]);
            y[i] = (float) (s.params().relu() && v < 0 ? 0 : v);
        }
    }

    /** dx = the gradient of Σ dy·conv(x, w) with respect to x. */
    public static void backwardData(float[] dx, float[] dy, float[] w, Conv2dShape s) {
        double[] acc = new double[dx.length];
        forEachTap(s, (yi, xi, wi) -> acc[xi] += (double) dy[yi] * w[wi]);
        for (int i = 0; i < dx.length; i++) dx[i] = (float) acc[i];
    }

    /** dw = the gradient with respect to w; dbias (may be null) = Σ dy per output channel. */
    public static void backwardWeights(float[] dw, float[] dbias, float[] dy, float[] x, Conv2dShape s) {
        double[] acc = new double[dw.length];
        forEachTap(s, (yi, xi, wi) -> acc[wi] += (double) dy[yi] * x[xi]);
        for (int i = 0; i < dw.length; i++) dw[i] = (float) acc[i];
        if (dbias != null) {
            int pq = s.p() * s.q();
            double[] sum = new double[s.k()];
            for (int i = 0; i < dy.length; i++) sum[i / pq % s.k()] += dy[i];
            for (int k = 0; k < s.k(); k++) dbias[k] = (float) sum[k];
        }
    }

    /**
     * The im2col matrix of images n0 … n0+nb−1: col is (nb, C·R·S, P·Q), row (c·R + r)·S + t holding the input
     * value each output position reads through filter tap (c, r, t), 0 in the padding. Convolution is then
     * y[n] = W (K × C·R·S) · col[n] for one group.
     */
    public static void im2col(float[] col, float[] x, int n0, int nb, Conv2dShape s) {
        var pr = s.params();
        int rows = s.c() * s.r() * s.s(), pq = s.p() * s.q();
        for (int i = 0; i < nb; i++) {
            for (int row = 0; row < rows; row++) {
                int c = row / (s.r() * s.s()), r = row / s.s() % s.r(), t = row % s.s();
                for (int p = 0; p < s.p(); p++) {
                    for (int q = 0; q < s.q(); q++) {
                        int h = p * pr.strideH() - pr.padTop() + r * pr.dilationH();
                        int v = q * pr.strideW() - pr.padLeft() + t * pr.dilationW();
                        boolean inside = h >= 0 && h < s.h() && v >= 0 && v < s.w();
                        col[(i * rows + row) * pq + p * s.q() + q] =
                                inside ? x[(((n0 + i) * s.c() + c) * s.h() + h) * s.w() + v] : 0;
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: dx of images n0 … n0+nb−1 gathers every dcol entry that im2col read it into. */
    public static void col2im(float[] dx, float[] dcol, int n0, int nb, Conv2dShape s) {
        var pr = s.params();
        int rows = s.c() * s.r() * s.s(), pq = s.p() * s.q();
        for (int i = 0; i < nb; i++) {
            int base = (n0 + i) * s.c() * s.h() * s.w();
            java.util.Arrays.fill(dx, base, base + s.c() * s.h() * s.w(), 0f);
            double[] acc = new double[s.c() * s.h() * s.w()];
            for (int row = 0; row < rows; row++) {
                int c = row / (s.r() * s.s()), r = row / s.s() % s.r(), t = row % s.s();
                for (int p = 0; p < s.p(); p++) {
                    for (int q = 0; q < s.q(); q++) {
                        int h = p * pr.strideH() - pr.padTop() + r * pr.dilationH();
                        int v = q * pr.strideW() - pr.padLeft() + t * pr.dilationW();
                        if (h >= 0 && h < s.h() && v >= 0 && v < s.w()) {
                            acc[(c * s.h() + h) * s.w() + v] += dcol[(i * rows + row) * pq + p * s.q() + q];
                        }
                    }
                }
            }
            for (int k = 0; k < acc.length; k++) dx[base + k] = (float) acc[k];
        }
    }

    /**
     * The filter of backward-data as a forward convolution (stride 1): wf is (C, K/G, R, S) with
     * wf[c][kk][R−1−r][S−1−t] = w[g·K/G + kk][c − g·C/G][r][t], g the group of input channel c.
     */
    public static void flipWeights(float[] wf, float[] w, Conv2dShape s) {
        int cg = s.c() / s.groups(), kg = s.k() / s.groups(), r = s.r(), t = s.s();
        for (int c = 0; c < s.c(); c++) {
            int g = c / cg;
            for (int kk = 0; kk < kg; kk++) {
                for (int i = 0; i < r; i++) {
                    for (int j = 0; j < t; j++) {
                        wf[((c * kg + kk) * r + (r - 1 - i)) * t + (t - 1 - j)] =
                                w[(((g * kg + kk) * cg + c % cg) * r + i) * t + j];
                    }
                }
            }
        }
    }
}
