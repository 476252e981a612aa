/*
 * sgd.cl: one step of SGD with momentum and weight decay, in place; twin in reference/SgdReference.java.
 *
 *   sgd_update  d = g + wd*p; with MOMENTUM: buf = momentum*buf + d, d = buf; p -= lr*d   (PyTorch's formula,
 *               dampening 0, not Nesterov; a zero buffer makes the first step buf = d as in PyTorch)
 *
 *               COPY = 1: also copy[i] = the new p rounded to copy's 16-bit dtype (issue 15: fp32 master weights,
 *               a 16-bit copy for the forward, written in the same pass)
 *
 * Launch as elementwise.cl: one work-item per span of `span` elements. Defines: MOMENTUM (0/1; the buffer is
 * neither read nor written when 0), COPY (0/1: the copy is neither written nor read when 0, and may be NULL), ACT
 * (the copy's storage: 1 half, 2 bfloat16, rounded to nearest even with NaN kept quiet; act16.clh).
 */
#ifndef MOMENTUM
#define MOMENTUM 1
#endif
#ifndef COPY
#define COPY 0
#endif
#include "act16.clh" /* the copy's STORE1; with COPY 0 no ACT is given and copy is an unused (NULL) float* */

__kernel void sgd_update(__global float *param, __global float *buf, __global ACT_T *copy,
                         __global const float *grad, float lr, float momentum, float wd, long n, long span) {
    long i0 = get_global_id(0) * span;
    long i1 = min(n, i0 + span);
    for (long i = i0; i < i1; i++) {
        float p = param[i];
        float d = grad[i] + wd * p;
#if MOMENTUM
        d = momentum * buf[i] + d;
        buf[i] = d;
#endif
        param[i] = p - lr * d;
#if COPY
        STORE1(p - lr * d, copy, i);
#endif
    }
}
