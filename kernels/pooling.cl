/*
 * pooling.cl: 2-D max and average pooling and global average pooling, NCHW in fp32, fp16 or bf16 (ACT below);
 * twins in reference/PoolingReference.java. x is (N, C, H, W), y is (N, C, P, Q); a plane is one (n, c). Window
 * (p, q) covers input rows p*sh - ph ... p*sh - ph + kh - 1 and columns q*sw - pw ... q*sw - pw + kw - 1; positions
 * outside [0, H) x [0, W) are padding and never win a max.
 *
 *   pooling_max_fwd         (P, planes)    y = max of the window; NaN wins; among equal values the first in
 *                                          row-major window order (the argmax); one output row per work-item
 *   pooling_max_fwd_fixed   (P, planes)    the same for windows and strides up to 4 compiled in (-DKH, KW, SH,
 *                                          SW), no padding: four outputs at a time, same bits
 *   pooling_max_bwd         (H*W, planes)  dx = sum of dy over the windows whose argmax is this element: each
 *                                          work-item walks the windows that contain it (p, q ascending) and finds
 *                                          their argmax again in x. A gather: deterministic, no atomics.
 *   pooling_max_bwd_disjoint (P, planes)   the same when windows do not overlap (stride >= window): each window
 *                                          writes dy at its argmax and 0 at its other positions, one argmax per
 *                                          window instead of one per input element, a row of windows per
 *                                          work-item; the host zero-fills dx first unless the windows tile the
 *                                          input exactly.
 *   pooling_max_bwd_disjoint_fixed (P, planes)  the same with the window and stride compiled in, no padding: four
 *                                          windows at a time, same bits
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
 * and its max backward is always the gather kernel, which reads and writes along H*W.
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

/*
 * pooling_max_fwd with the window and stride compiled in (-DKH, KW, SH, SW) and no padding, so that every window lies
 * inside the input: no bounds, unrolled window loops, and four outputs at a time as a float4 (a float8 load split
 * into even and odd lanes for the common 2-wide stride-2 window). The running maximum follows pool_argmax's rule (a
 * value replaces it when greater or NaN, in row-major window order), so it ends on the value at the argmax: the
 * same bits as pooling_max_fwd, 3.6-11x faster on PoCL (PoolAB, loaded machine; docs/onnx-speed.md).
 */
#ifndef KH
#define KH 1
#define KW 1
#define SH 1
#define SW 1
#endif
/* four outputs: one vector store in fp32, four rounded stores in 16 bits */
#if ACT == 0
#define STORE4(v, p, i) vstore4(v, 0, (p) + (i))
#else
#define STORE4(v, p, i) \
    (STORE1((v).x, p, i), STORE1((v).y, p, (i) + 1), STORE1((v).z, p, (i) + 2), STORE1((v).w, p, (i) + 3))
#endif
inline float4 max_rule4(float4 m, float4 v) {
    return select(m, v, isgreater(v, m) | isnan(v));
}

__kernel void pooling_max_fwd_fixed(__global ACT_T *y, __global const ACT_T *x, POOL_DIMS) {
    int p = get_global_id(0), plane = get_global_id(1);
    if (p >= P || plane >= planes) return;
    __global const ACT_T *xp = x + (size_t)plane * H * W + (size_t)p * SH * W;
    __global ACT_T *yp = y + ((size_t)plane * P + p) * Q;
    int q = 0;
    for (; q + 4 <= Q; q += 4) {
        float4 m = (float4)(-INFINITY);
        for (int i = 0; i < KH; i++) {
            __global const ACT_T *r = xp + i * W + q * SW;
            for (int j = 0; j < KW; j++) {
#if SW == 2 && KW == 2
                float8 v8 = LOAD8(0, r);
                m = max_rule4(m, j == 0 ? v8.even : v8.odd);
#else
                m = max_rule4(m, (float4)(LOAD1(r, j), LOAD1(r, SW + j), LOAD1(r, 2 * SW + j),
                                          LOAD1(r, 3 * SW + j)));
#endif
            }
        }
        STORE4(m, yp, q);
    }
    for (; q < Q; q++) {
        float m = -INFINITY;
        for (int i = 0; i < KH; i++) {
            for (int j = 0; j < KW; j++) {
                float v = LOAD1(xp, i * W + q * SW + j);
                m = v > m || isnan(v) ? v : m;
            }
        }
        STORE1(m, yp, q);
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

/*
 * pooling_max_bwd_disjoint with the window and stride compiled in (SH >= KH, SW >= KW, no padding), four windows at
 * a time: each window's argmax by pool_argmax's rule (greater or NaN replaces, row-major order), then dy at it and 0
 * at the window's other positions. Same bits as pooling_max_bwd_disjoint; the host zero-fills dx first unless the
 * windows tile the input.
 */
__kernel void pooling_max_bwd_disjoint_fixed(__global ACT_T *dx, __global const ACT_T *dy, __global const ACT_T *x,
                                             POOL_DIMS) {
    int p = get_global_id(0), plane = get_global_id(1);
    if (p >= P || plane >= planes) return;
    size_t row = (size_t)plane * H * W + (size_t)p * SH * W;
    __global const ACT_T *xp = x + row;
    __global ACT_T *dxp = dx + row;
    __global const ACT_T *dyp = dy + ((size_t)plane * P + p) * Q;
    int q = 0;
    for (; q + 4 <= Q; q += 4) {
        float4 m = (float4)(-INFINITY);
        int4 best = (int4)(0);
        for (int i = 0; i < KH; i++) {
            __global const ACT_T *r = xp + i * W + q * SW;
#if SW == 2 && KW == 2
            float8 v8 = LOAD8(0, r);
            int4 up = isgreater(v8.even, m) | isnan(v8.even);
            m = select(m, v8.even, up);
            best = select(best, (int4)(2 * i), up);
            up = isgreater(v8.odd, m) | isnan(v8.odd);
            m = select(m, v8.odd, up);
            best = select(best, (int4)(2 * i + 1), up);
#else
            for (int j = 0; j < KW; j++) {
                float4 v = (float4)(LOAD1(r, j), LOAD1(r, SW + j), LOAD1(r, 2 * SW + j), LOAD1(r, 3 * SW + j));
                int4 up = isgreater(v, m) | isnan(v);
                m = select(m, v, up);
                best = select(best, (int4)(i * KW + j), up);
            }
#endif
        }
        float4 g = LOAD4(0, dyp + q), zero = (float4)(0.0f);
        for (int i = 0; i < KH; i++) {
            __global ACT_T *r = dxp + i * W + q * SW;
#if SW == 2 && KW == 2
            float8 o;
            o.even = select(zero, g, best == (int4)(2 * i));
            o.odd = select(zero, g, best == (int4)(2 * i + 1));
            STORE8(o, 0, r);
#else
            for (int j = 0; j < KW; j++) {
                float4 o = select(zero, g, best == (int4)(i * KW + j));
                STORE1(o.x, r, j);
                STORE1(o.y, r, SW + j);
                STORE1(o.z, r, 2 * SW + j);
                STORE1(o.w, r, 3 * SW + j);
            }
#endif
        }
    }
    for (; q < Q; q++) {
        float m = -INFINITY;
        int best = 0;
        for (int i = 0; i < KH; i++) {
            for (int j = 0; j < KW; j++) {
                float v = LOAD1(xp, i * W + q * SW + j);
                if (v > m || isnan(v)) {
                    m = v;
                    best = i * KW + j;
                }
            }
        }
        float g = LOAD1(dyp, q);
        for (int i = 0; i < KH; i++) {
            for (int j = 0; j < KW; j++) STORE1(i * KW + j == best ? g : 0.0f, dxp, i * W + q * SW + j);
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
