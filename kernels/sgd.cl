/*
 * sgd.cl: one step of SGD with momentum and weight decay, in place; twin in reference/SgdReference.java.
 *
 *   sgd_update  d = g + wd*p; with MOMENTUM: buf = momentum*buf + d, d = buf; p -= lr*d   (PyTorch's formula,
 *               dampening 0, not Nesterov; a zero buffer makes the first step buf = d as in PyTorch)
 *
 * Launch as elementwise.cl: one work-item per span of `span` elements. Defines: MOMENTUM (0/1; the buffer is
 * neither read nor written when 0).
 */
#ifndef MOMENTUM
#define MOMENTUM 1
#endif

__kernel void sgd_update(__global float *param, __global float *buf, __global const float *grad, float lr,
                         float momentum, float wd, long n, long span) {
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
    }
}
