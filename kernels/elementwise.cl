/*
 * elementwise.cl: the small ops of the training loop, element for element over n floats. Each has a twin in
 * reference/ElementwiseReference.java.
 *
 *   elementwise_scale        y = alpha*x
 *   elementwise_add          y = a + b                       (the residual add)
 *   elementwise_add_bwd      da = dy, db = dy                (either may be NULL: has_a, has_b)
 *   elementwise_relu_fwd     y = x < 0 ? 0 : x               (NaN stays NaN)
 *   elementwise_relu_bwd     dx = y > 0 ? dy : 0             (mask from the forward output, as PyTorch)
 *   elementwise_sigmoid_fwd  y = 1/(1 + exp(-x))
 *   elementwise_sigmoid_bwd  dx = dy*y*(1 - y)
 *   elementwise_convert      y = x stored in another dtype: x loaded as ACT says (exact), y stored as DST says
 *                            (0 float, 1 half, 2 bfloat16) with round to nearest even: NaN stays NaN, Inf Inf, and
 *                            a value past the target's range becomes Inf (vstore_half_rte, bf16_1), never a clamp
 *
 * Launch: one work-item per span of `span` consecutive elements, items = ceil(n/span) rounded up to the local
 * size (the excess returns at once). The host picks long spans and local size 1 on CPUs (each item streams, as
 * copy.cl does) and span 1 on GPUs. Outputs may be the same buffer as an input: each element is read before it
 * is written, by the same work-item. scale, add and relu round as the double reference does (exact twins); in 16
 * bits they round once more, on the store, as the reference rounds its result.
 */
/* Storage, -DACT (issue 15): 0 float, 1 half, 2 bfloat16 (act16.clh). Every tensor of one call has one dtype and
 * every operation is in float, so ACT changes only LOAD1 (p[i] as a float) and STORE1 (p[i] = v). */
#include "act16.clh"

#define SPAN_LOOP(i) \
    long i##0 = get_global_id(0) * span; \
    long i##1 = min(n, i##0 + span); \
    for (long i = i##0; i < i##1; i++)

__kernel void elementwise_scale(__global ACT_T *y, __global const ACT_T *x, float alpha, long n, long span) {
    SPAN_LOOP(i) STORE1(alpha * LOAD1(x, i), y, i);
}

__kernel void elementwise_add(__global ACT_T *y, __global const ACT_T *a, __global const ACT_T *b, long n,
                              long span) {
    SPAN_LOOP(i) STORE1(LOAD1(a, i) + LOAD1(b, i), y, i);
}

__kernel void elementwise_add_bwd(__global ACT_T *da, __global ACT_T *db, __global const ACT_T *dy, int has_a,
                                  int has_b, long n, long span) {
    SPAN_LOOP(i) {
        float g = LOAD1(dy, i);
        if (has_a) STORE1(g, da, i);
        if (has_b) STORE1(g, db, i);
    }
}

__kernel void elementwise_relu_fwd(__global ACT_T *y, __global const ACT_T *x, long n, long span) {
    SPAN_LOOP(i) {
        float v = LOAD1(x, i);
        STORE1(v < 0.0f ? 0.0f : v, y, i);
    }
}

__kernel void elementwise_relu_bwd(__global ACT_T *dx, __global const ACT_T *dy, __global const ACT_T *y, long n,
                                   long span) {
    SPAN_LOOP(i) STORE1(LOAD1(y, i) > 0.0f ? LOAD1(dy, i) : 0.0f, dx, i);
}

__kernel void elementwise_sigmoid_fwd(__global ACT_T *y, __global const ACT_T *x, long n, long span) {
    SPAN_LOOP(i) STORE1(1.0f / (1.0f + exp(-LOAD1(x, i))), y, i);
}

__kernel void elementwise_sigmoid_bwd(__global ACT_T *dx, __global const ACT_T *dy, __global const ACT_T *y, long n,
                                      long span) {
    SPAN_LOOP(i) {
        float s = LOAD1(y, i);
        STORE1(LOAD1(dy, i) * (s * (1.0f - s)), dx, i); /* dy*y first overflows where the product need not */
    }
}

#ifndef DST
#define DST 0
#endif
#if DST == 0
#define DST_T float
#define STORE_DST(v, p, i) ((p)[i] = (v))
#elif DST == 1
#define DST_T half
#define STORE_DST(v, p, i) vstore_half_rte(v, i, p)
#else
#define DST_T ushort
#define STORE_DST(v, p, i) ((p)[i] = bf16_1(v))
#endif

__kernel void elementwise_convert(__global DST_T *y, __global const ACT_T *x, long n, long span) {
    SPAN_LOOP(i) STORE_DST(LOAD1(x, i), y, i);
}
