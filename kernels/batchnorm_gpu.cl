/*
 * batchnorm_gpu.cl: the GPU family's batch normalization reductions (issue 13). OpenCL C 1.2.
 *
 * Layout and numerics are batchnorm.cl's (read its header): x is NCHW seen as (N, C, HW); channel c's M = N*HW
 * values are cut into chunks of `chunk` values (whole rows as the host chooses them, never from the local size);
 * forward sums are pivot-shifted (d = x - p, p = the channel's first value x[c*HW]); backward sums are of g and
 * g*((x - mean) - offset). These kernels write the same partial[c][j] = (S1, S2) pairs as batchnorm.cl's partial
 * kernels, so batchnorm.cl's merge (fixed chunk order, Kahan, pivot, saved offset, SKIP, frozen) and apply kernels
 * follow them unchanged: only the reductions differ.
 *
 * Work-group tree reductions with a fixed shape. A chunk is reduced by one work-group through SLOTS slots (a fixed
 * number, not the local size): slot s sums, in order, the float4 vectors s, s + SLOTS, s + 2*SLOTS, ... of each row
 * piece of the chunk (pieces in order; a piece's last len % 4 values go to slot 0), its lanes added as
 * (x + y) + (z + w). Work-item l of L owns slots l, l + L, ...; then the SLOTS values are added by a tree of fixed
 * shape in __local memory (level h adds slot k + h into slot k, h = SLOTS/2, ..., 1). Every addition, and its
 * order, is fixed by the shape and the chunk alone, so partials are bitwise identical for every local size L (any
 * L >= 1; L > SLOTS leaves items idle) and run after run. Adjacent work-items read adjacent float4s: coalesced.
 *
 * Kernels (global sizes; local size L in dimension 0, any value; extra groups return whole):
 *   batchnorm_gpu_fwd_partial  (C*L, chunks)  group c, chunk j0 + get_global_id(1): partial[c][j] = (S1, S2)
 *   batchnorm_gpu_bwd_partial  (C*L, chunks)  partial[c][j] = (sum g, sum g*(x - mean - offset)), g = dy, or dy
 *                                             where y > 0 under a fused ReLU
 * Positions path, for small HW (N x C input above all), reading along N: x is N rows of P = C*HW values, position q
 * of channel q/HW. A work-group takes GPOS consecutive positions (one coalesced stretch of each row) and row chunk
 * j (rows [j*rows, (j+1)*rows)) through GPOS*RSLOTS pairs: pair (qi, r), at index r*GPOS + qi, sums rows
 * j*rows + r, + RSLOTS, ... of position q0 + qi in order; a fixed tree over r then gives partial (q, j) at
 * q*chunks + j, batchnorm.cl's positions layout (a channel's HW*chunks partials contiguous, merged as chunks).
 *   batchnorm_gpu_fwd_partial_pos (ceil(P/GPOS)*L, chunks)
 *   batchnorm_gpu_bwd_partial_pos (ceil(P/GPOS)*L, chunks)
 *
 * Defines: FUSE (0 none, 1 relu, 2 add z then relu: backward masks g by y > 0 when nonzero); AFFINE and POS_BLOCKS
 * are accepted and unused (the host builds every batch norm file with the same options); ACT is batchnorm.cl's
 * (activations' storage, act16.clh).
 */
#ifndef FUSE
#define FUSE 0
#endif
#include "act16.clh"
/* Fixed tree shapes: part of the summation order, so of the bits. Powers of two. */
#define SLOTS 256
#define GPOS 32
#define RSLOTS 8

/* Adds slot k + h into slot k for h = n/2, ..., 1 (n a power of two): the fixed tree; the sum lands in slot 0. */
inline void tree2(__local float *a, __local float *b, int n, int stride, int l, int L) {
    for (int h = n / 2; h >= 1; h /= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = l; k < h * stride; k += L) {
            a[k] += a[k + h * stride];
            b[k] += b[k + h * stride];
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

inline float lanes(float4 v) { return (v.x + v.y) + (v.z + v.w); }

/* The (row, first value, length) of the piece of chunk values starting at e: pieces never cross a row. */
inline size_t piece(long e, long end, int C, int c, int hw, int *len) {
    long n = e / hw;
    int i = (int)(e - n * hw);
    *len = (int)min((long)(hw - i), end - e);
    return ((size_t)n * C + c) * hw + i;
}

__kernel void batchnorm_gpu_fwd_partial(__global float *partial, __global const ACT_T *x,
                                        int C, int hw, long count, long chunk, int chunks, int j0) {
    __local float a1[SLOTS], a2[SLOTS];
    int c = get_group_id(0), j = j0 + get_global_id(1), l = get_local_id(0), L = get_local_size(0);
    if (c >= C || j >= chunks) return; /* the whole group: no barrier is left waiting */
    float p = LOAD1(x, (size_t)c * hw);
    for (int s = l; s < SLOTS; s += L) {
        float4 v1 = 0.0f, v2 = 0.0f;
        float t1 = 0.0f, t2 = 0.0f;
        long e = j * chunk, end = min(count, e + chunk);
        while (e < end) {
            int len;
            __global const ACT_T *row = x + piece(e, end, C, c, hw, &len);
            int nv = len / 4;
            for (int q = s; q < nv; q += SLOTS) {
                float4 d = LOAD4(q, row) - p;
                v1 += d;
                v2 = fma(d, d, v2);
            }
            if (s == 0) {
                for (int k = 4 * nv; k < len; k++) {
                    float d = LOAD1(row, k) - p;
                    t1 += d;
                    t2 = fma(d, d, t2);
                }
            }
            e += len;
        }
        a1[s] = lanes(v1) + t1;
        a2[s] = lanes(v2) + t2;
    }
    tree2(a1, a2, SLOTS, 1, l, L);
    if (l == 0) {
        size_t at = 2 * ((size_t)c * chunks + j);
        partial[at] = a1[0];
        partial[at + 1] = a2[0];
    }
}

inline float4 grad4(float4 dy, __global const ACT_T *y, int q) {
    return FUSE ? select((float4)(0.0f), dy, LOAD4(q, y) > (float4)(0.0f)) : dy;
}

inline float grad1g(float dy, __global const ACT_T *y, size_t k) {
    return FUSE ? (LOAD1(y, k) > 0.0f ? dy : 0.0f) : dy;
}

__kernel void batchnorm_gpu_bwd_partial(__global float *partial, __global const ACT_T *dy, __global const ACT_T *x,
                                        __global const ACT_T *y, __global const float *mean,
                                        __global const float *offset, int C, int hw, long count, long chunk,
                                        int chunks) {
    __local float a1[SLOTS], a2[SLOTS];
    int c = get_group_id(0), j = get_global_id(1), l = get_local_id(0), L = get_local_size(0);
    if (c >= C || j >= chunks) return;
    float m = mean[c], o = offset ? offset[c] : 0.0f;
    for (int s = l; s < SLOTS; s += L) {
        float4 v1 = 0.0f, v2 = 0.0f;
        float t1 = 0.0f, t2 = 0.0f;
        long e = j * chunk, end = min(count, e + chunk);
        while (e < end) {
            int len;
            size_t at = piece(e, end, C, c, hw, &len);
            int nv = len / 4;
            for (int q = s; q < nv; q += SLOTS) {
                float4 g = grad4(LOAD4(q, dy + at), y + at, q);
                v1 += g;
                v2 = fma(g, LOAD4(q, x + at) - m - o, v2);
            }
            if (s == 0) {
                for (int k = 4 * nv; k < len; k++) {
                    float g = grad1g(LOAD1(dy, at + k), y, at + k);
                    t1 += g;
                    t2 = fma(g, LOAD1(x, at + k) - m - o, t2);
                }
            }
            e += len;
        }
        a1[s] = lanes(v1) + t1;
        a2[s] = lanes(v2) + t2;
    }
    tree2(a1, a2, SLOTS, 1, l, L);
    if (l == 0) {
        size_t at = 2 * ((size_t)c * chunks + j);
        partial[at] = a1[0];
        partial[at + 1] = a2[0];
    }
}

__kernel void batchnorm_gpu_fwd_partial_pos(__global float *partial, __global const ACT_T *x,
                                            int P, int hw, int N, int rows, int chunks) {
    __local float a1[GPOS * RSLOTS], a2[GPOS * RSLOTS];
    int b = get_group_id(0), j = get_global_id(1), l = get_local_id(0), L = get_local_size(0);
    int q0 = b * GPOS;
    if (q0 >= P || j >= chunks) return;
    int n0 = j * rows, n1 = min(N, n0 + rows);
    for (int s = l; s < GPOS * RSLOTS; s += L) {
        int q = q0 + s % GPOS;
        float s1 = 0.0f, s2 = 0.0f;
        if (q < P) {
            float p = LOAD1(x, (size_t)(q / hw) * hw);
            for (int n = n0 + s / GPOS; n < n1; n += RSLOTS) {
                float d = LOAD1(x, (size_t)n * P + q) - p;
                s1 += d;
                s2 = fma(d, d, s2);
            }
        }
        a1[s] = s1;
        a2[s] = s2;
    }
    tree2(a1, a2, RSLOTS, GPOS, l, L);
    for (int qi = l; qi < GPOS && q0 + qi < P; qi += L) {
        size_t at = 2 * ((size_t)(q0 + qi) * chunks + j);
        partial[at] = a1[qi];
        partial[at + 1] = a2[qi];
    }
}

__kernel void batchnorm_gpu_bwd_partial_pos(__global float *partial, __global const ACT_T *dy,
                                            __global const ACT_T *x, __global const ACT_T *y,
                                            __global const float *mean, __global const float *offset,
                                            int P, int hw, int N, int rows, int chunks) {
    __local float a1[GPOS * RSLOTS], a2[GPOS * RSLOTS];
    int b = get_group_id(0), j = get_global_id(1), l = get_local_id(0), L = get_local_size(0);
    int q0 = b * GPOS;
    if (q0 >= P || j >= chunks) return;
    int n0 = j * rows, n1 = min(N, n0 + rows);
    for (int s = l; s < GPOS * RSLOTS; s += L) {
        int q = q0 + s % GPOS;
        float s1 = 0.0f, s2 = 0.0f;
        if (q < P) {
            int c = q / hw;
            float m = mean[c], o = offset ? offset[c] : 0.0f;
            for (int n = n0 + s / GPOS; n < n1; n += RSLOTS) {
                size_t k = (size_t)n * P + q;
                float g = grad1g(LOAD1(dy, k), y, k);
                s1 += g;
                s2 = fma(g, LOAD1(x, k) - m - o, s2);
            }
        }
        a1[s] = s1;
        a2[s] = s2;
    }
    tree2(a1, a2, RSLOTS, GPOS, l, L);
    for (int qi = l; qi < GPOS && q0 + qi < P; qi += L) {
        size_t at = 2 * ((size_t)(q0 + qi) * chunks + j);
        partial[at] = a1[qi];
        partial[at + 1] = a2[qi];
    }
}
