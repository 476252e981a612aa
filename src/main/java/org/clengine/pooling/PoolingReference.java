package org.clengine.pooling;

import static org.clengine.core.HostTensor.data;

import org.clengine.core.HostTensor;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Pooling as plain math on the host, the oracle for kernels/pooling.cl. x is (N, C, H, W), y is (N, C, P, Q).
 * Window (p, q) covers input rows p·strideH − padH … p·strideH − padH + kernelH − 1 (columns alike); rows outside
 * [0, H) are padding. Accumulation in double. The static methods are the math on arrays, for tests by hand. A
 * 16-bit tensor's host array holds its rounded values, so the argmax is found among exactly the values the kernels
 * compare; each output is rounded once at the end, as the kernels' store rounds.
 */
public final class PoolingReference extends PoolingOps {

    public PoolingReference() {
        super(Memory.HOST);
    }

    @Override
    protected void maxForward(Tensor y, Tensor x, Pool2dShape shape) {
        maxForward(data(y), data(x), shape);
        HostTensor.round(y); // a no-op: the max moves a value x already holds rounded
    }

    @Override
    protected void maxBackward(Tensor dx, Tensor dy, Tensor x, Pool2dShape shape) {
        maxBackward(data(dx), data(dy), data(x), shape);
        HostTensor.round(dx);
    }

    @Override
    protected void avgForward(Tensor y, Tensor x, Pool2dShape shape) {
        avgForward(data(y), data(x), shape);
        HostTensor.round(y);
    }

    @Override
    protected void avgBackward(Tensor dx, Tensor dy, Pool2dShape shape) {
        avgBackward(data(dx), data(dy), shape);
        HostTensor.round(dx);
    }

    @Override
    protected void globalAvgForward(Tensor y, Tensor x, int hw) {
        globalAvgForward(data(y), data(x), hw);
        HostTensor.round(y);
    }

    @Override
    protected void globalAvgBackward(Tensor dx, Tensor dy, int hw) {
        globalAvgBackward(data(dx), data(dy), hw);
        HostTensor.round(dx);
    }

    /** y = max over each window; NaN wins; the first of equal values in row-major order is the argmax. */
    public static void maxForward(float[] y, float[] x, Pool2dShape s) {
        int planes = s.n() * s.c(), hw = s.h() * s.w(), pq = s.p() * s.q();
        for (int plane = 0; plane < planes; plane++) {
            for (int p = 0; p < s.p(); p++) {
                for (int q = 0; q < s.q(); q++) {
                    int at = argmax(x, plane * hw, p, q, s);
                    y[plane * pq + p * s.q() + q] = x[plane * hw + at];
                }
            }
        }
    }

    /** dx: each dy added to the input element that won its window (scattered in p, q order). */
    public static void maxBackward(float[] dx, float[] dy, float[] x, Pool2dShape s) {
        int planes = s.n() * s.c(), hw = s.h() * s.w(), pq = s.p() * s.q();
        double[] acc = new double[dx.length];
        for (int plane = 0; plane < planes; plane++) {
            for (int p = 0; p < s.p(); p++) {
                for (int q = 0; q < s.q(); q++) {
                    acc[plane * hw + argmax(x, plane * hw, p, q, s)] += dy[plane * pq + p * s.q() + q];
                }
            }
        }
        for (int i = 0; i < dx.length; i++) dx[i] = (float) acc[i];
    }

    /** The position h·W + w in the plane of window (p, q)'s largest value. */
    public static int argmax(float[] x, int base, int p, int q, Pool2dShape s) {
        var pr = s.params();
        int h0 = Math.max(p * pr.strideH() - pr.padH(), 0), h1 = Math.min(p * pr.strideH() - pr.padH()
                + pr.kernelH(), s.h());
        int w0 = Math.max(q * pr.strideW() - pr.padW(), 0), w1 = Math.min(q * pr.strideW() - pr.padW()
                + pr.kernelW(), s.w());
        int best = h0 * s.w() + w0;
        float max = Float.NEGATIVE_INFINITY;
        for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
                float v = x[base + h * s.w() + w];
                if (v > max || Float.isNaN(v)) {
                    max = v;
                    best = h * s.w() + w;
                }
            }
        }
        return best;
    }

    /** y = Σ window / divisor(p, q). */
    public static void avgForward(float[] y, float[] x, Pool2dShape s) {
        var pr = s.params();
        int planes = s.n() * s.c(), hw = s.h() * s.w(), pq = s.p() * s.q();
        for (int plane = 0; plane < planes; plane++) {
            for (int p = 0; p < s.p(); p++) {
                for (int q = 0; q < s.q(); q++) {
                    int h0 = p * pr.strideH() - pr.padH(), w0 = q * pr.strideW() - pr.padW();
                    double acc = 0;
                    for (int h = Math.max(h0, 0); h < Math.min(h0 + pr.kernelH(), s.h()); h++) {
                        for (int w = Math.max(w0, 0); w < Math.min(w0 + pr.kernelW(), s.w()); w++) {
                            acc += x[plane * hw + h * s.w() + w];
                        }
                    }
                    y[plane * pq + p * s.q() + q] = (float) (acc / divisor(p, q, s));
                }
            }
        }
    }

    /** dx = Σ over the windows containing each element of dy / divisor. */
    public static void avgBackward(float[] dx, float[] dy, Pool2dShape s) {
        var pr = s.params();
        int planes = s.n() * s.c(), hw = s.h() * s.w(), pq = s.p() * s.q();
        double[] acc = new double[dx.length];
        for (int plane = 0; plane < planes; plane++) {
            for (int p = 0; p < s.p(); p++) {
                for (int q = 0; q < s.q(); q++) {
                    int h0 = p * pr.strideH() - pr.padH(), w0 = q * pr.strideW() - pr.padW();
                    double g = dy[plane * pq + p * s.q() + q] / (double) divisor(p, q, s);
                    for (int h = Math.max(h0, 0); h < Math.min(h0 + pr.kernelH(), s.h()); h++) {
                        for (int w = Math.max(w0, 0); w < Math.min(w0 + pr.kernelW(), s.w()); w++) {
                            acc[plane * hw + h * s.w() + w] += g;
                        }
                    }
                }
            }
        }
        for (int i = 0; i < dx.length; i++) dx[i] = (float) acc[i];
    }

    /**
     * PyTorch's divisor: the window clipped to the padded input when padding counts, else clipped to the input.
     */
    public static int divisor(int p, int q, Pool2dShape s) {
        var pr = s.params();
        int h0 = p * pr.strideH() - pr.padH(), w0 = q * pr.strideW() - pr.padW();
        int h1 = Math.min(h0 + pr.kernelH(), s.h() + pr.padH()), w1 = Math.min(w0 + pr.kernelW(), s.w() + pr.padW());
        if (pr.countIncludePad()) return (h1 - h0) * (w1 - w0);
        return (Math.min(h1, s.h()) - Math.max(h0, 0)) * (Math.min(w1, s.w()) - Math.max(w0, 0));
    }

    /** x is (N, C, HW), y is (N, C): y = mean of each row. */
    public static void globalAvgForward(float[] y, float[] x, int hw) {
        for (int row = 0; row < y.length; row++) {
            double acc = 0;
            for (int i = 0; i < hw; i++) acc += x[row * hw + i];
            y[row] = (float) (acc / hw);
        }
    }

    /** dx is (N, C, HW): dy [N,C] / HW, spread over the plane. */
    public static void globalAvgBackward(float[] dx, float[] dy, int hw) {
        for (int row = 0; row < dy.length; row++) {
            float g = (float) ((double) dy[row] / hw);
            for (int i = 0; i < hw; i++) dx[row * hw + i] = g;
        }
    }
}
