/*
 * pooling.cl: 2-D max and average pooling and global average pooling, NCHW in fp32, fp16 or bf16 (ACT below);
 * twins in reference/PoolingReference.java. x is (N, C, H, W), y is (N, C, P, Q); a plane is one (n, c). Window
 * (p, q) covers input rows p*sh - ph ... p*sh - ph + kh - 1 and columns q*sw - pw ... q*sw - pw + kw - 1; positions
 * outside [0, H) x [0, W) are padding and never win a max.
 *
 *   pooling_max_fwd         (P, planes)    y = max of the window; NaN wins; among equal values the first in
 *                                          row-major window order (the argmax); one output row per work-item
 *   pooling_max_bwd         (H*W, planes)  dx = sum of dy over the windows whose argmax is this element: each
 *                                          work-item walks the windows that contain it (p, q ascending) and finds
 *                                          their argmax again in x. A gather: deterministic, no atomics.
 *   pooling_max_bwd_disjoint (P, planes)   the same when windows do not overlap (stride >= window): each window
 *                                          writes dy at its argmax and 0 at its other positions, one argmax per
 *                                          window instead of one per input element, a row of windows per
 *                                          work-item; the host zero-fills dx first unless the windows tile the
 *                                          input exactly.
 *   pooling_avg_fwd         (P*Q, planes)  y = window sum / divisor
 *   pooling_avg_bwd         (H*W, planes)  dx = sum over the windows containing it of dy / divisor
 *   pooling_global_avg_fwd  (N*C)          y[n, c] = mean of the H*W plane
 *   pooling_global_avg_bwd  (H*W, N*C)     dx = dy[n, c] / (H*W)
 *
 * Row kernels (a row of outputs per work-item) save the division per item and walk memory in order: 1.5-3x faster
 * than one output per item on PoCL (mb128ic32ih28kh2). They are the CPU family's (PoolingPolicy.Walk.ROWS). The GPU
 * family (Walk.ELEMENTS) wants neighbouring work-items on neighbouring addresses instead:
 *
 *   pooling_max_fwd_each        (P*Q, planes)  pooling_max_fwd with one output per work-item
 *   pooling_global_avg_fwd_group (L*planes)    one work-group of L items per plane: LANES (64) partial sums, lane j
 *                                              adding x[j], x[j + LANES], ... in order (lane j read by item j mod L,
 *                                              so a group reads consecutive floats), then a fixed tree over the
 *                                              lanes in __local memory: the same bits for every L
 *
 * and its max backward is always the gather kernel, which reads and writes along H*W. The CPU family's max forward
 * of the commonest window, 2x2 with stride 2 and no padding (MaxPool2d(2)), has a kernel of its own:
 *
 *   pooling_max_fwd_2x2     (ceil(P*planes/span))  each work-item a span of consecutive output rows r = plane*P + p
 *                                          (local size 1, long walks in address order as copy.cl's), the window's
 *                                          four values in row-major order through the same rule (v > m or v NaN
 *                                          takes it) as selects the compiler vectorizes: the same bits as
 *                                          pooling_max_fwd. Issue 17: the general kernel's argmax loops ran at
 *                                          0.2-0.6 GB/s on PoCL at the exported CNN's mb64ic32ih28kh2 against a
 *                                          copy's 12-19; this one at 6-8 (alternated in one process, load ~12).
 *
 * Divisor (PyTorch's): the window clipped to the padded input when COUNT_PAD is 1, else to the input itself.
 * Storage, -DACT (issue 15): 0 float, 1 half, 2 bfloat16 (act16.clh): x, y, dy and dx of one call share it; every
 * comparison and sum is in float, rounded once on the store, so a max moves a value without rounding and finds its
 * argmax among the stored (rounded) values, as the reference does.
 * Defines: COUNT_PAD (0/1, average pooling only), ACT. Local size up to PoolingPolicy's (64 on CPUs, 128 on GPUs) in
 * dimension 0; the kernels guard the excess.
 */
#include "act16.clh"

#ifndef COUNT_PAD
#define COUNT_PAD 1
#endif

#define POOL_DIMS int H, int W, int P, int Q, int kh, int kw, int sh, int sw, int ph, int pw, int planes

/* First row and column of the windows that contain input row h: p from ceil((h + ph - kh + 1)/sh) to (h + ph)/sh. */
inline int first_window(int h, int ph, int kh, int sh) {
    int t = h + ph - kh + 1;
    return t <= 0 ? 0 : (t + sh - 1) / sh;
}

inline int pool_argmax(__global const ACT_T *xp, int p, int q, int H, int W, int kh, int kw, int sh, int sw, int ph,
                       int pw) {
    int h0 = max(p * sh - ph, 0), h1 = min(p * sh - ph + kh, H);
    int w0 = max(q * sw - pw, 0), w1 = min(q * sw - pw + kw, W);
    int best = h0 * W + w0;
    float m = -INFINITY;
    for (int h = h0; h < h1; h++) {
        for (int w = w0; w < w1; w++) {
            float v = LOAD1(xp, h * W + w);
            if (v > m || isnan(v)) {
                m = v;
                best = h * W + w;
            }
        }
    }
    return best;
}

inline float pool_divisor(int p, int q, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw) {
    int h0 = p * sh - ph, w0 = q * sw - pw;
    int h1 = min(h0 + kh, H + ph), w1 = min(w0 + kw, W + pw);
#if COUNT_PAD
    return (float)((h1 - h0) * (w1 - w0));
#else
    return (float)((min(h1, H) - max(h0, 0)) * (min(w1, W) - max(w0, 0)));
#endif
}

__kernel void pooling_max_fwd(__global ACT_T *y, __global const ACT_T *x, POOL_DIMS) {
    int p = get_global_id(0), plane = get_global_id(1);
    if (p >= P || plane >= planes) return;
    __global const ACT_T *xp = x + (size_t)plane * H * W;
    __global ACT_T *yp = y + ((size_t)plane * P + p) * Q;
    for (int q = 0; q < Q; q++) STORE1(LOAD1(xp, pool_argmax(xp, p, q, H, W, kh, kw, sh, sw, ph, pw)), yp, q);
}

__kernel void pooling_max_fwd_2x2(__global ACT_T *y, __global const ACT_T *x, long span, POOL_DIMS) {
    long r0 = get_global_id(0) * span, r1 = min((long)P * planes, r0 + span);
    for (long r = r0; r < r1; r++) {
        __global const ACT_T *a = x + (size_t)(r / P) * H * W + (size_t)(2 * (int)(r % P)) * W;
        __global ACT_T *yp = y + (size_t)r * Q;
        for (int q = 0; q < Q; q++) {
            float m = -INFINITY, v;
            v = LOAD1(a, 2 * q);
            m = v > m || isnan(v) ? v : m;
            v = LOAD1(a, 2 * q + 1);
            m = v > m || isnan(v) ? v : m;
            v = LOAD1(a, W + 2 * q);
            m = v > m || isnan(v) ? v : m;
            v = LOAD1(a, W + 2 * q + 1);
            m = v > m || isnan(v) ? v : m;
            STORE1(m, yp, q);
        }
    }
}

__kernel void pooling_max_fwd_each(__global ACT_T *y, __global const ACT_T *x, POOL_DIMS) {
    int pq = get_global_id(0), plane = get_global_id(1);
    if (pq >= P * Q || plane >= planes) return;
    __global const ACT_T *xp = x + (size_t)plane * H * W;
    int best = pool_argmax(xp, pq / Q, pq % Q, H, W, kh, kw, sh, sw, ph, pw);
    STORE1(LOAD1(xp, best), y, (size_t)plane * P * Q + pq);
}

__kernel void pooling_max_bwd(__global ACT_T *dx, __global const ACT_T *dy, __global const ACT_T *x, POOL_DIMS) {
    int hw = get_global_id(0), plane = get_global_id(1);
    if (hw >= H * W || plane >= planes) return;
    int h = hw / W, w = hw % W;
    __global const ACT_T *xp = x + (size_t)plane * H * W;
    __global const ACT_T *dyp = dy + (size_t)plane * P * Q;
    int p1 = min(P - 1, (h + ph) / sh), q0 = first_window(w, pw, kw, sw), q1 = min(Q - 1, (w + pw) / sw);
    float acc = 0.0f;
    for (int p = first_window(h, ph, kh, sh); p <= p1; p++) {
        for (int q = q0; q <= q1; q++) {
            if (pool_argmax(xp, p, q, H, W, kh, kw, sh, sw, ph, pw) == hw) acc += LOAD1(dyp, p * Q + q);
        }
    }
    STORE1(acc, dx, (size_t)plane * H * W + hw);
}

__kernel void pooling_max_bwd_disjoint(__global ACT_T *dx, __global const ACT_T *dy, __global const ACT_T *x,
                                       POOL_DIMS) {
    int p = get_global_id(0), plane = get_global_id(1);
    if (p >= P || plane >= planes) return;
    __global const ACT_T *xp = x + (size_t)plane * H * W;
    __global ACT_T *dxp = dx + (size_t)plane * H * W;
    __global const ACT_T *dyp = dy + ((size_t)plane * P + p) * Q;
    int h0 = max(p * sh - ph, 0), h1 = min(p * sh - ph + kh, H);
    for (int q = 0; q < Q; q++) {
        int best = pool_argmax(xp, p, q, H, W, kh, kw, sh, sw, ph, pw);
        float g = LOAD1(dyp, q);
        int w0 = max(q * sw - pw, 0), w1 = min(q * sw - pw + kw, W);
        for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) STORE1(h * W + w == best ? g : 0.0f, dxp, h * W + w);
        }
    }
}

__kernel void pooling_avg_fwd(__global ACT_T *y, __global const ACT_T *x, POOL_DIMS) {
    int pq = get_global_id(0), plane = get_global_id(1);
    if (pq >= P * Q || plane >= planes) return;
    int p = pq / Q, q = pq % Q;
    __global const ACT_T *xp = x + (size_t)plane * H * W;
    int h0 = max(p * sh - ph, 0), h1 = min(p * sh - ph + kh, H);
    int w0 = max(q * sw - pw, 0), w1 = min(q * sw - pw + kw, W);
    float acc = 0.0f;
    for (int h = h0; h < h1; h++) {
        for (int w = w0; w < w1; w++) acc += LOAD1(xp, h * W + w);
    }
    STORE1(acc / pool_divisor(p, q, H, W, kh, kw, sh, sw, ph, pw), y, (size_t)plane * P * Q + pq);
}

__kernel void pooling_avg_bwd(__global ACT_T *dx, __global const ACT_T *dy, POOL_DIMS) {
    int hw = get_global_id(0), plane = get_global_id(1);
    if (hw >= H * W || plane >= planes) return;
    int h = hw / W, w = hw % W;
    __global const ACT_T *dyp = dy + (size_t)plane * P * Q;
    int p1 = min(P - 1, (h + ph) / sh), q0 = first_window(w, pw, kw, sw), q1 = min(Q - 1, (w + pw) / sw);
    float acc = 0.0f;
    for (int p = first_window(h, ph, kh, sh); p <= p1; p++) {
        for (int q = q0; q <= q1; q++) {
            acc += LOAD1(dyp, p * Q + q) / pool_divisor(p, q, H, W, kh, kw, sh, sw, ph, pw);
        }
    }
    STORE1(acc, dx, (size_t)plane * H * W + hw);
}

__kernel void pooling_global_avg_fwd(__global ACT_T *y, __global const ACT_T *x, int HW, int planes) {
    int plane = get_global_id(0);
    if (plane >= planes) return;
    __global const ACT_T *xp = x + (size_t)plane * HW;
    float acc = 0.0f;
    for (int i = 0; i < HW; i++) acc += LOAD1(xp, i);
    STORE1(acc / (float)HW, y, plane);
}

__kernel void pooling_global_avg_bwd(__global ACT_T *dx, __global const ACT_T *dy, int HW, int planes) {
    int i = get_global_id(0), plane = get_global_id(1);
    if (i >= HW || plane >= planes) return;
    STORE1(LOAD1(dy, plane) / (float)HW, dx, (size_t)plane * HW + i);
}

#define LANES 64

/* One work-group per plane (group id = plane); any local size: lanes are fixed, items take lanes t, t + L, ... */
__kernel void pooling_global_avg_fwd_group(__global ACT_T *y, __global const ACT_T *x, int HW, int planes) {
    __local float part[LANES];
    int t = get_local_id(0), L = get_local_size(0), plane = get_group_id(0);
    __global const ACT_T *xp = x + (size_t)plane * HW;
    for (int j = t; j < LANES; j += L) {
        float acc = 0.0f;
        for (int i = j; i < HW; i += LANES) acc += LOAD1(xp, i);
        part[j] = acc;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LANES / 2; s > 0; s /= 2) {
        for (int j = t; j < s; j += L) part[j] += part[j + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) STORE1(part[0] / (float)HW, y, plane);
}
