package org.clengine.matmul;

import org.clengine.batchnorm.BatchNormReference;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;

/**
 * GEMM as plain math, the oracle for kernels/matmul.cl. For each batch i: C (M,N) at c[offC + i·strideC + m·ldc + n];
 * op(A) (M,K) at a[offA + i·strideA + m·lda + k], or + k·lda + m when A is stored transposed; op(B) (K,N) likewise.
 * {@code C = relu?(alpha·Σ_k op(A)[m,k]·op(B)[k,n] + beta·C + bias)} accumulated in double and rounded once;
 * beta == 0 does not read C. Same argument order as the kernels: outputs, inputs, sizes.
 */
public final class MatmulReference {
    private MatmulReference() {
    }

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
                    if (p.relu()) v = BatchNormReference.relu(v);
                    c[at] = (float) v;
                }
            }
        }
    }
}
