package org.clengine.matmul;

import static org.clengine.core.HostTensor.data;

import org.clengine.core.HostTensor;

import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * GEMM as plain math, the oracle for kernels/matmul.cl. For each batch i: C (M,N) at c[offC + i·strideC + m·ldc + n];
 * op(A) (M,K) at a[offA + i·strideA + m·lda + k], or + k·lda + m when A is stored transposed; op(B) (K,N) likewise.
 * {@code C = relu?(alpha·Σ_k op(A)[m,k]·op(B)[k,n] + beta·C + bias)} accumulated in double and rounded once;
 * beta == 0 does not read C. 16-bit A and B are read as the values they hold (host tensors keep them exactly); a
 * 16-bit C is the fp32 result rounded to nearest even, as the kernels store it. Same argument order as the kernels: outputs, inputs, sizes.
 */
public final class MatmulReference extends MatmulOps {
    public MatmulReference() {
        super(Memory.HOST);
    }

    @Override
    public MatmulPolicy policy() {
        return null;
    }

    @Override
    public MatmulReference withPolicy(MatmulPolicy policy) {
        return this;
    }

    @Override
    protected void gemm(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
            MatmulParams params) {
        gemm(data(c), data(a), data(b), data(bias), shape, layout, params);
        HostTensor.round(c); // a 16-bit C holds what a device's one rounding of the fp32 result stores
    }

    /** The math on arrays, for the verifier's error scales and the benchmarks' checks. */
    public static void gemm(float[] c, float[] a, float[] b, float[] bias, MatmulShape s, MatmulLayout l,
            MatmulParams p) {
        for (int i = 0; i < s.batch(); i++) {
            int a0 = l.offA() + i * l.strideA(), b0 = l.offB() + i * l.strideB(), c0 = l.offC() + i * l.strideC();
            for (int m = 0; m < s.m(); m++) {
                for (int n = 0; n < s.n(); n++) {
                    double sum = 0;
                    for (int k = 0; k < s.k(); k++) {
                        float av = a[a0 + (s.transA() ? k * l.lda() + m : m * l.lda() + k)];
                        float bv = b[b0 + (s.transB() ? n * l.ldb() + k : k * l.ldb() + n)];
                        sum += (double) av * bv;
                    }
                    int at = c0 + m * l.ldc() + n;
                    double v = p.alpha() * sum;
                    if (p.beta() != 0) v += (double) p.beta() * c[at];
                    if (p.bias() == MatmulBias.PER_ROW) v += bias[m];
                    if (p.bias() == MatmulBias.PER_COLUMN) v += bias[n];
                    if (p.relu() && v < 0) v = 0; // keeps NaN, as the kernels' v < 0 ? 0 : v
                    c[at] = (float) v;
                }
            }
        }
    }
}
