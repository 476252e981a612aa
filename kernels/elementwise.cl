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
 *
 * Launch: one work-item per span of `span` consecutive elements, items = ceil(n/span) rounded up to the local
 * size (the excess returns at once). The host picks long spans and local size 1 on CPUs (each item streams, as
 * copy.cl does) and span 1 on GPUs. Outputs may be the same buffer as an input: each element is read before it
 * is written, by the same work-item. scale, add and relu round as the double reference does (exact twins).
 */
#define SPAN_LOOP(i) \
    long i##0 = get_global_id(0) * span; \
    long i##1 = min(n, i##0 + span); \
    for (long i = i##0; i < i##1; i++)

__kernel void elementwise_scale(__global float *y, __global const float *x, float alpha, long n, long span) {
    SPAN_LOOP(i) y[i] = alpha * x[i];
}

__kernel void elementwise_add(__global float *y, __global const float *a, __global const float *b, long n,
                              long span) {
    SPAN_LOOP(i) y[i] = a[i] + b[i];
}

__kernel void elementwise_add_bwd(__global float *da, __global float *db, __global const float *dy, int has_a,
                                  int has_b, long n, long span) {
    SPAN_LOOP(i) {
        float g = dy[i];
        if (has_a) da[i] = g;
        if (has_b) db[i] = g;
    }
}

__kernel void elementwise_relu_fwd(__global float *y, __global const float *x, long n, long span) {
    SPAN_LOOP(i) {
        float v = x[i];
        y[i] = v < 0.0f ? 0.0f : v;
    }
}

__kernel void elementwise_relu_bwd(__global float *dx, __global const float *dy, __global const float *y, long n,
                                   long span) {
    SPAN_LOOP(i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

__kernel void elementwise_sigmoid_fwd(__global float *y, __global const float *x, long n, long span) {
    SPAN_LOOP(i) y[i] = 1.0f / (1.0f + exp(-x[i]));
}

__kernel void elementwise_sigmoid_bwd(__global float *dx, __global const float *dy, __global const float *y, long n,
                                      long span) {
    SPAN_LOOP(i) {
        float s = y[i];
        dx[i] = dy[i] * s * (1.0f - s);
    }
}
