/**
 * GEMM, C[M×N] = A[M×K]·B[K×N] row-major: strided-batched, with transposes and an epilogue (alpha, beta, bias,
 * ReLU), described by one {@link org.clengine.matmul.Gemm} record. The contract ({@link
 * org.clengine.matmul.MatmulOps}), shape, reference, launch policy, tunings and verification; the OpenCL
 * implementation, its tuner and tuning store are internal.
 */
package org.clengine.matmul;
