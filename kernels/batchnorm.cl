/*
 * batchnorm.cl: fused batch normalization, forward (training and inference) and backward.
 *
 * Layout: x is NCHW seen as (N, C, HW), HW = H*W (1 for N x C input). Channel c owns N rows of HW contiguous
 * floats; row n of channel c starts at (n*C + c)*HW. Statistics are per channel over M = N*HW values, taken in
 * (n, i) order.
 *
 * Reductions are deterministic: a channel's M values are cut into chunks of `chunk` values (chosen by the host
 * from the shape and the device kind, never from the local size). Work-item (c, j) reduces chunk j of channel c
 * into a partial; one work-item per channel then adds the partials in chunk order. No atomics, so results are
 * bitwise identical run after run and whatever local size is used. The merge adds a channel's partials with
 * Kahan's compensation (still in chunk order), so their count costs no precision.
 *
 * Numerics: forward sums are taken of d = x - p with p = the channel's first value (a pivot), so a mean that
 * dwarfs the spread costs no precision: mean = p + S1/M, var = (S2 - S1*S1/M)/M, S1 = sum d, S2 = sum d*d.
 * The fp32 mean is off by up to half an ulp of itself, which is a few percent of a spread 1e6 times smaller, so
 * the merge also keeps the rounding error: offset = (p + S1/M) - mean exactly (TwoSum). Apply and backward centre
 * x as (x - mean) - offset: x - mean is exact when x is near the mean (Sterbenz), and the offset is small, so the
 * centred value is right to a few ulp of itself however large the mean. Inference centres on the running mean
 * (an fp32 value, exact as it is): offset 0. An offset buffer may be NULL: 0.
 * The ReLU keeps NaN (v < 0 ? 0 : v), so NaN in gives NaN out.
 * Running statistics: skip = 1 (policy SKIP) keeps a channel's running mean and var when its batch mean or
 * variance is not finite (NaN or Inf in the channel, or a variance past fp32's range), or either new value would
 * not be, and adds 1 to run_skipped[c] (when given); skip = 0 (PROPAGATE, PyTorch) writes them whatever they are.
 * Finite updates are the same arithmetic under both.
 *
 * Kernels (global sizes; local sizes are the host's choice, globals rounded up and guarded):
 *   batchnorm_fwd_partial  (C, chunks)  x -> partial[c][j] = (S1, S2), for chunks j0, j0+1, ... (j0 lets a
 *                                       convolution reduce each stretch of its output as soon as it is written)
 *   batchnorm_fwd_merge    (C)          partials -> save_mean, save_invstd, save_offset; running stats updated
 *                                       in place
 *   batchnorm_infer_stats  (C)          running mean, var -> mean, invstd, offset 0
 *   batchnorm_fwd_apply    (items)      y = fuse(gamma*(x - mean - offset)*invstd + beta [+ z])
 *   batchnorm_bwd_partial  (C, chunks)  dy, x, y -> partial[c][j] = (sum g, sum g*(x - mean - offset)),
 *                                       g = dy, or dy where y > 0 under a fused ReLU
 *   batchnorm_bwd_merge    (C)          partials -> dgamma, dbeta, coef[c] = (a, b, k); frozen = 1 (frozen batch
 *                                       norm: statistics are constants) gives b = k = 0
 *   batchnorm_bwd_apply    (items)      dx = a*g + b*(x - mean - offset) + k; dz = g (residual fusion)
 * Apply kernels: work-item t owns values [t*span, (t+1)*span) of the whole tensor, walking row pieces; small spans
 * coalesce on GPUs, large ones stream on CPUs. Results do not depend on span.
 *
 * Positions path, for small HW (N x C input above all), where rows of HW values are too short to vectorize: x is
 * N rows of P = C*HW values; position q belongs to channel q/HW. Work-item (b, j) owns positions [16b, 16b+16)
 * (float16 lanes) over rows [j*rows, (j+1)*rows). Partial (position q, row chunk j) is stored at q*chunks + j, so a
 * channel's HW*chunks partials are contiguous and the merge kernels above add them, called with HW*chunks.
 *   batchnorm_fwd_partial_pos (P/16, chunks)   batchnorm_fwd_apply_pos (P/(16*POS_BLOCKS), chunks)
 *   batchnorm_bwd_partial_pos (P/16, chunks)   batchnorm_bwd_apply_pos (P/(16*POS_BLOCKS), chunks)
 * A block that P cuts short runs lane by lane.
 *
 * Single-launch path, for N x C input (H*W = 1) whose N rows are one row chunk: the three steps of the positions
 * path in one kernel per direction, bitwise equal to them (see the end of the file).
 *   batchnorm_fwd_train_single, batchnorm_infer_single, batchnorm_bwd_single: (C/(16*POS_BLOCKS))
 *
 * Defines: AFFINE (1: gamma and beta given, 0: gamma 1, beta 0), FUSE (0 none, 1 relu, 2 add z then relu),
 * POS_BLOCKS (positions path: blocks of 16 positions per apply and single-launch work-item, walked row by row
 * across the blocks; on CPUs rows written 64 floats at a time stream far better than 16-float pieces of rows
 * far apart), ACT (activations' storage: 0 float, 1 half, 2 bfloat16; see below).
 */
#ifndef AFFINE
#define AFFINE 1
#endif
#ifndef FUSE
#define FUSE 0
#endif
#ifndef POS_BLOCKS
#define POS_BLOCKS 1
#endif
#include "act16.clh" /* -DACT: activations' storage, 0 float, 1 half, 2 bfloat16; LOADn / STOREn */

inline float sum16(float16 v) {
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 d = b.lo + b.hi;
    return d.x + d.y;
}

inline float relu1(float v) { return v < 0.0f ? 0.0f : v; }
inline float8 relu8(float8 v) { return select(v, (float8)(0.0f), v < (float8)(0.0f)); }
inline float16 relu16(float16 v) { return select(v, (float16)(0.0f), v < (float16)(0.0f)); }
inline float grad1(float dy, float y) { return FUSE ? (y > 0.0f ? dy : 0.0f) : dy; }
inline float8 grad8(float8 dy, float8 y) { return FUSE ? select((float8)(0.0f), dy, y > (float8)(0.0f)) : dy; }
inline float16 grad16(float16 dy, float16 y) {
    return FUSE ? select((float16)(0.0f), dy, y > (float16)(0.0f)) : dy;
}

/* Values per step of the apply pieces' first loop: 16 for bfloat16, whose loads and stores are plain ushort16
 * vectors (measured on PoCL 3.1, mb32ic64ih56iw56: BF16 forward apply 0.71 -> 0.62 ms, backward apply 1.0 ->
 * 0.83 ms); 0 (no such loop) for float and half, where the 16-value half pieces (four vload_half4 each) ran
 * slower (F16 forward apply 0.58 -> 0.79 ms). Each value's arithmetic is the same at any width, so the bits are. */
#if ACT == 2
#define APPLY_WIDE 16
#else
#define APPLY_WIDE 0
#endif

__kernel void batchnorm_fwd_partial(__global float *partial, __global const ACT_T *x,
                                    int C, int hw, long count, long chunk, int chunks, int j0) {
    int c = get_global_id(0), j = j0 + get_global_id(1);
    if (c >= C || j >= chunks) return;
    float p = LOAD1(x, (size_t)c * hw);
    float16 s1 = 0.0f, s2 = 0.0f;
    float4 u1 = 0.0f, u2 = 0.0f;
    float t1 = 0.0f, t2 = 0.0f;
    long e = j * chunk, end = min(count, e + chunk);
    while (e < end) {
        long n = e / hw;
        int i = (int)(e - n * hw), len = (int)min((long)(hw - i), end - e);
        __global const ACT_T *row = x + ((size_t)n * C + c) * hw + i;
        int k = 0;
        for (; k + 16 <= len; k += 16) {
            float16 d = LOAD16(0, row + k) - p;
            s1 += d;
            s2 = fma(d, d, s2);
        }
        for (; k + 4 <= len; k += 4) {
            float4 d = LOAD4(0, row + k) - p;
            u1 += d;
            u2 = fma(d, d, u2);
        }
        for (; k < len; k++) {
            float d = LOAD1(row, k) - p;
            t1 += d;
            t2 = fma(d, d, t2);
        }
        e += len;
    }
    size_t at = 2 * ((size_t)c * chunks + j);
    partial[at] = sum16(s1) + (u1.x + u1.y + u1.z + u1.w) + t1;
    partial[at + 1] = sum16(s2) + (u2.x + u2.y + u2.z + u2.w) + t2;
}

/*
 * Adds v to the sum s with Kahan's compensation: a channel's partials (thousands of them on the positions path)
 * then add to about one rounding, not one per partial. Once the sum is not finite, plain addition: the
 * compensation would turn an overflow's Inf into NaN.
 */
inline void add_compensated(float *s, float *comp, float v) {
    float y = v - *comp, t = *s + y;
    *comp = isfinite(t) ? (t - *s) - y : 0.0f;
    *s = t;
}

/*
 * The fp32 mean p + dm's rounding error, exactly (TwoSum, any order of magnitude): the saved offset, so that
 * apply and backward centre x as (x - mean) - offset.
 */
inline float mean_offset(float p, float dm, float mean) {
    float t = mean - p;
    return (p - (mean - t)) + (dm - t);
}

/*
 * Running stats of channel c: run = w_old*run + w_new*batch, running var from var*var_scale (M/(M-1) unbiased, or
 * 1), in fp32 as PyTorch (w_new = 0 on an Inf batch variance gives NaN under PROPAGATE, as there). skip = 1: a
 * batch mean or var that is not finite, or a new value that would not be, keeps both and counts a skip.
 */
inline void running_update(int c, __global float *run_mean, __global float *run_var, __global float *run_skipped,
                           float mean, float var, float w_old, float w_new, float var_scale, int skip) {
    float rm = w_old * run_mean[c] + w_new * mean;
    float rv = w_old * run_var[c] + w_new * (var * var_scale);
    if (skip && !(isfinite(mean) && isfinite(var) && isfinite(rm) && isfinite(rv))) {
        if (run_skipped) run_skipped[c] += 1.0f;
    } else {
        run_mean[c] = rm;
        run_var[c] = rv;
    }
}

inline void fwd_merge_channel(int c, __global float *save_mean, __global float *save_invstd,
                              __global float *save_offset, __global float *run_mean, __global float *run_var,
                              __global float *run_skipped, __global const float *partial, __global const ACT_T *x,
                              int hw, int chunks, float count, float eps, float w_old, float w_new, float var_scale,
                              int skip) {
    float s1 = 0.0f, s2 = 0.0f, k1 = 0.0f, k2 = 0.0f;
    for (int j = 0; j < chunks; j++) {
        add_compensated(&s1, &k1, partial[2 * ((size_t)c * chunks + j)]);
        add_compensated(&s2, &k2, partial[2 * ((size_t)c * chunks + j) + 1]);
    }
    float dm = s1 / count;
    float var = (s2 - s1 * dm) / count;
    var = var < 0.0f ? 0.0f : var; /* rounding only; keeps NaN */
    float p = LOAD1(x, (size_t)c * hw), mean = p + dm;
    save_mean[c] = mean;
    save_invstd[c] = rsqrt(var + eps);
    if (save_offset) save_offset[c] = mean_offset(p, dm, mean);
    if (run_mean) running_update(c, run_mean, run_var, run_skipped, mean, var, w_old, w_new, var_scale, skip);
}

__kernel void batchnorm_fwd_merge(__global float *save_mean, __global float *save_invstd,
                                  __global float *save_offset, __global float *run_mean, __global float *run_var,
                                  __global float *run_skipped, __global const float *partial,
                                  __global const ACT_T *x, int C, int hw, int chunks, float count, float eps,
                                  float w_old, float w_new, float var_scale, int skip) {
    int c = get_global_id(0);
    if (c >= C) return;
    fwd_merge_channel(c, save_mean, save_invstd, save_offset, run_mean, run_var, run_skipped, partial, x, hw,
                      chunks, count, eps, w_old, w_new, var_scale, skip);
}

inline void infer_stats_channel(int c, __global float *mean, __global float *invstd, __global float *offset,
                                __global const float *run_mean, __global const float *run_var, float eps) {
    mean[c] = run_mean[c];
    invstd[c] = rsqrt(run_var[c] + eps);
    if (offset) offset[c] = 0.0f;
}

__kernel void batchnorm_infer_stats(__global float *mean, __global float *invstd, __global float *offset,
                                    __global const float *run_mean, __global const float *run_var,
                                    int C, float eps) {
    int c = get_global_id(0);
    if (c >= C) return;
    infer_stats_channel(c, mean, invstd, offset, run_mean, run_var, eps);
}

/* One row piece of the apply: y = fuse((x - m - o)*scale + shift [+ z]) over the len values from e (float8, then
 * one by one). Shared by the plain and ghost apply kernels; m and o come apart because (x - m) is exact near the mean. */
inline void fwd_apply_piece(__global ACT_T *y, __global const ACT_T *x, __global const ACT_T *z, long e,
                            int len, float m, float o, float scale, float shift) {
    int k = 0;
#if APPLY_WIDE == 16
    for (; k + 16 <= len; k += 16) {
        float16 v = fma(LOAD16(0, x + e + k) - m - o, scale, shift);
#if FUSE == 2
        v += LOAD16(0, z + e + k);
#endif
#if FUSE
        v = relu16(v);
#endif
        STORE16(v, 0, y + e + k);
    }
#endif
    for (; k + 8 <= len; k += 8) {
        float8 v = fma(LOAD8(0, x + e + k) - m - o, scale, shift);
#if FUSE == 2
        v += LOAD8(0, z + e + k);
#endif
#if FUSE
        v = relu8(v);
#endif
        STORE8(v, 0, y + e + k);
    }
    for (; k < len; k++) {
        float v = fma(LOAD1(x, e + k) - m - o, scale, shift);
#if FUSE == 2
        v += LOAD1(z, e + k);
#endif
#if FUSE
        v = relu1(v);
#endif
        STORE1(v, y, e + k);
    }
}

/* One row piece of the backward apply: dx = a*g + b*(x - m - o) + k0, dz = g (residual fusion). */
inline void bwd_apply_piece(__global ACT_T *dx, __global ACT_T *dz, __global const ACT_T *dy,
                            __global const ACT_T *x, __global const ACT_T *y, long e, int len, float m,
                            float o, float a, float b, float k0) {
    int k = 0;
#if APPLY_WIDE == 16
    for (; k + 16 <= len; k += 16) {
        float16 yv = FUSE ? LOAD16(0, y + e + k) : (float16)(0.0f);
        float16 g = grad16(LOAD16(0, dy + e + k), yv);
        STORE16(fma(a, g, fma(b, LOAD16(0, x + e + k) - m - o, k0)), 0, dx + e + k);
#if FUSE == 2
        STORE16(g, 0, dz + e + k);
#endif
    }
#endif
    for (; k + 8 <= len; k += 8) {
        float8 yv = FUSE ? LOAD8(0, y + e + k) : (float8)(0.0f);
        float8 g = grad8(LOAD8(0, dy + e + k), yv);
        STORE8(fma(a, g, fma(b, LOAD8(0, x + e + k) - m - o, k0)), 0, dx + e + k);
#if FUSE == 2
        STORE8(g, 0, dz + e + k);
#endif
    }
    for (; k < len; k++) {
        float g = grad1(LOAD1(dy, e + k), FUSE ? LOAD1(y, e + k) : 0.0f);
        STORE1(fma(a, g, fma(b, LOAD1(x, e + k) - m - o, k0)), dx, e + k);
#if FUSE == 2
        STORE1(g, dz, e + k);
#endif
    }
}

__kernel void batchnorm_fwd_apply(__global ACT_T *y, __global const ACT_T *x, __global const ACT_T *z,
                                  __global const float *mean, __global const float *offset,
                                  __global const float *invstd,
                                  __global const float *gamma, __global const float *beta,
                                  int C, int hw, long total, long span) {
    long e = get_global_id(0) * span;
    long end = min(total, e + span);
    while (e < end) {
        long r = e / hw;
        int len = (int)min((long)hw - (e - r * hw), end - e), c = (int)(r % C);
        float m = mean[c], o = offset ? offset[c] : 0.0f, scale = invstd[c], shift = 0.0f;
#if AFFINE
        scale *= gamma[c];
        shift = beta[c];
#endif
        fwd_apply_piece(y, x, z, e, len, m, o, scale, shift);
        e += len;
    }
}

__kernel void batchnorm_bwd_partial(__global float *partial, __global const ACT_T *dy, __global const ACT_T *x,
                                    __global const ACT_T *y, __global const float *mean,
                                    __global const float *offset, int C, int hw, long count, long chunk, int chunks) {
    int c = get_global_id(0), j = get_global_id(1);
    if (c >= C || j >= chunks) return;
    float m = mean[c], o = offset ? offset[c] : 0.0f;
    float8 s1 = 0.0f, s2 = 0.0f;
    float4 u1 = 0.0f, u2 = 0.0f;
    float t1 = 0.0f, t2 = 0.0f;
    long e = j * chunk, end = min(count, e + chunk);
    while (e < end) {
        long n = e / hw;
        int i = (int)(e - n * hw), len = (int)min((long)(hw - i), end - e);
        size_t row = ((size_t)n * C + c) * hw + i;
        int k = 0;
        for (; k + 8 <= len; k += 8) {
            float8 yv = FUSE ? LOAD8(0, y + row + k) : (float8)(0.0f);
            float8 g = grad8(LOAD8(0, dy + row + k), yv);
            s1 += g;
            s2 = fma(g, LOAD8(0, x + row + k) - m - o, s2);
        }
        for (; k + 4 <= len; k += 4) {
            float4 yv = FUSE ? LOAD4(0, y + row + k) : (float4)(0.0f);
            float4 g = LOAD4(0, dy + row + k);
            if (FUSE) g = select((float4)(0.0f), g, yv > (float4)(0.0f));
            u1 += g;
            u2 = fma(g, LOAD4(0, x + row + k) - m - o, u2);
        }
        for (; k < len; k++) {
            float g = grad1(LOAD1(dy, row + k), FUSE ? LOAD1(y, row + k) : 0.0f);
            t1 += g;
            t2 = fma(g, LOAD1(x, row + k) - m - o, t2);
        }
        e += len;
    }
    float4 a1 = s1.lo + s1.hi + u1, a2 = s2.lo + s2.hi + u2;
    float2 b1 = a1.lo + a1.hi, b2 = a2.lo + a2.hi;
    size_t at = 2 * ((size_t)c * chunks + j);
    partial[at] = b1.x + b1.y + t1;
    partial[at + 1] = b2.x + b2.y + t2;
}

/*
 * dgamma and dbeta may be NULL (not wanted). coef[c] = (a, b, k): dx = a*g + b*(x - mean - offset) + k. Frozen:
 * mean and invstd are the running ones, constants to the loss, so dx = a*g.
 */
inline void bwd_merge_channel(int c, __global float *dgamma, __global float *dbeta, __global float *coef,
                              __global const float *partial, __global const float *invstd,
                              __global const float *gamma, int chunks, float count, int frozen) {
    float sg = 0.0f, sgx = 0.0f, k1 = 0.0f, k2 = 0.0f;
    for (int j = 0; j < chunks; j++) {
        add_compensated(&sg, &k1, partial[2 * ((size_t)c * chunks + j)]);
        add_compensated(&sgx, &k2, partial[2 * ((size_t)c * chunks + j) + 1]);
    }
    float is = invstd[c];
    float a = AFFINE ? gamma[c] * is : is;
    if (dgamma) dgamma[c] = sgx * is;
    if (dbeta) dbeta[c] = sg;
    coef[3 * c] = a;
    coef[3 * c + 1] = frozen ? 0.0f : -a * is * is * sgx / count;
    coef[3 * c + 2] = frozen ? 0.0f : -a * sg / count;
}

__kernel void batchnorm_bwd_merge(__global float *dgamma, __global float *dbeta, __global float *coef,
                                  __global const float *partial, __global const float *invstd,
                                  __global const float *gamma, int C, int chunks, float count, int frozen) {
    int c = get_global_id(0);
    if (c >= C) return;
    bwd_merge_channel(c, dgamma, dbeta, coef, partial, invstd, gamma, chunks, count, frozen);
}

__kernel void batchnorm_bwd_apply(__global ACT_T *dx, __global ACT_T *dz, __global const ACT_T *dy,
                                  __global const ACT_T *x, __global const ACT_T *y, __global const float *mean,
                                  __global const float *offset, __global const float *coef, int C, int hw,
                                  long total, long span) {
    long e = get_global_id(0) * span;
    long end = min(total, e + span);
    while (e < end) {
        long r = e / hw;
        int len = (int)min((long)hw - (e - r * hw), end - e), c = (int)(r % C);
        float m = mean[c], o = offset ? offset[c] : 0.0f, a = coef[3 * c], b = coef[3 * c + 1], k0 = coef[3 * c + 2];
        bwd_apply_piece(dx, dz, dy, x, y, e, len, m, o, a, b, k0);
        e += len;
    }
}

/* Gathers v[stride*((q0 + lane)/hw) + offset] into 16 lanes: per-channel values spread over positions. */
inline float16 gather16(__global const float *v, int q0, int hw, int stride, int offset) {
    float a[16];
    for (int l = 0; l < 16; l++) a[l] = v[stride * ((q0 + l) / hw) + offset];
    return vload16(0, a);
}

/* The offsets of 16 positions' channels; a NULL offset buffer is 0. */
inline float16 offset16(__global const float *offset, int q0, int hw) {
    return offset ? gather16(offset, q0, hw, 1, 0) : (float16)(0.0f);
}

inline void store_partials16(__global float *partial, float16 s1, float16 s2, int q0, int chunks, int j) {
    float a1[16], a2[16];
    vstore16(s1, 0, a1);
    vstore16(s2, 0, a2);
    for (int l = 0; l < 16; l++) {
        partial[2 * ((size_t)(q0 + l) * chunks + j)] = a1[l];
        partial[2 * ((size_t)(q0 + l) * chunks + j) + 1] = a2[l];
    }
}

inline void fwd_partial_pos_block(int q0, int j, __global float *partial, __global const ACT_T *x,
                                  int P, int hw, int N, int rows, int chunks) {
    int r0 = j * rows, r1 = min(N, r0 + rows);
    if (q0 + 16 <= P) {
        float a[16];
        for (int l = 0; l < 16; l++) a[l] = LOAD1(x, (q0 + l) / hw * hw); /* the channel's pivot, row 0 */
        float16 p = vload16(0, a), s1 = 0.0f, s2 = 0.0f;
        for (int r = r0; r < r1; r++) {
            float16 d = LOAD16(0, x + (size_t)r * P + q0) - p;
            s1 += d;
            s2 = fma(d, d, s2);
        }
        store_partials16(partial, s1, s2, q0, chunks, j);
        return;
    }
    for (int q = q0; q < P; q++) {
        float p = LOAD1(x, q / hw * hw), t1 = 0.0f, t2 = 0.0f;
        for (int r = r0; r < r1; r++) {
            float d = LOAD1(x, (size_t)r * P + q) - p;
            t1 += d;
            t2 = fma(d, d, t2);
        }
        partial[2 * ((size_t)q * chunks + j)] = t1;
        partial[2 * ((size_t)q * chunks + j) + 1] = t2;
    }
}

__kernel void batchnorm_fwd_partial_pos(__global float *partial, __global const ACT_T *x,
                                        int P, int hw, int N, int rows, int chunks) {
    int q0 = 16 * get_global_id(0), j = get_global_id(1);
    if (q0 >= P || j >= chunks) return;
    fwd_partial_pos_block(q0, j, partial, x, P, hw, N, rows, chunks);
}

inline void fwd_apply_pos_block(int q0, int j, __global ACT_T *y, __global const ACT_T *x, __global const ACT_T *z,
                                __global const float *mean, __global const float *offset, __global const float *invstd,
                                __global const float *gamma, __global const float *beta,
                                int P, int hw, int N, int rows) {
    int r0 = j * rows, r1 = min(N, r0 + rows);
    int full = min(POS_BLOCKS, (P - q0) / 16);
    float16 m[POS_BLOCKS], o[POS_BLOCKS], scale[POS_BLOCKS], shift[POS_BLOCKS];
    for (int b = 0; b < POS_BLOCKS; b++) {
        if (b >= full) break;
        int q = q0 + 16 * b;
        m[b] = gather16(mean, q, hw, 1, 0);
        o[b] = offset16(offset, q, hw);
        scale[b] = gather16(invstd, q, hw, 1, 0);
        if (AFFINE) scale[b] *= gather16(gamma, q, hw, 1, 0);
        shift[b] = AFFINE ? gather16(beta, q, hw, 1, 0) : (float16)(0.0f);
    }
    for (int r = r0; r < r1 && full > 0; r++) {
        for (int b = 0; b < POS_BLOCKS; b++) {
            if (b >= full) break;
            size_t at = (size_t)r * P + q0 + 16 * b;
            float16 v = fma(LOAD16(0, x + at) - m[b] - o[b], scale[b], shift[b]);
#if FUSE == 2
            v += LOAD16(0, z + at);
#endif
#if FUSE
            v = select(v, (float16)(0.0f), v < (float16)(0.0f));
#endif
            STORE16(v, 0, y + at);
        }
    }
    for (int q = q0 + 16 * full; q < min(P, q0 + 16 * POS_BLOCKS); q++) {
        int c = q / hw;
        float mq = mean[c], oq = offset ? offset[c] : 0.0f;
        float sq = AFFINE ? invstd[c] * gamma[c] : invstd[c], hq = AFFINE ? beta[c] : 0.0f;
        for (int r = r0; r < r1; r++) {
            size_t at = (size_t)r * P + q;
            float v = fma(LOAD1(x, at) - mq - oq, sq, hq);
#if FUSE == 2
            v += LOAD1(z, at);
#endif
#if FUSE
            v = relu1(v);
#endif
            STORE1(v, y, at);
        }
    }
}

__kernel void batchnorm_fwd_apply_pos(__global ACT_T *y, __global const ACT_T *x, __global const ACT_T *z,
                                      __global const float *mean, __global const float *offset,
                                      __global const float *invstd, __global const float *gamma,
                                      __global const float *beta, int P, int hw, int N, int rows) {
    int q0 = 16 * POS_BLOCKS * get_global_id(0), j = get_global_id(1);
    if (q0 >= P || j * rows >= N) return;
    fwd_apply_pos_block(q0, j, y, x, z, mean, offset, invstd, gamma, beta, P, hw, N, rows);
}

inline void bwd_partial_pos_block(int q0, int j, __global float *partial, __global const ACT_T *dy,
                                  __global const ACT_T *x, __global const ACT_T *y, __global const float *mean,
                                  __global const float *offset, int P, int hw, int N, int rows, int chunks) {
    int r0 = j * rows, r1 = min(N, r0 + rows);
    if (q0 + 16 <= P) {
        float16 m = gather16(mean, q0, hw, 1, 0), o = offset16(offset, q0, hw), s1 = 0.0f, s2 = 0.0f;
        for (int r = r0; r < r1; r++) {
            size_t at = (size_t)r * P + q0;
            float16 g = LOAD16(0, dy + at);
#if FUSE
            g = select((float16)(0.0f), g, LOAD16(0, y + at) > (float16)(0.0f));
#endif
            s1 += g;
            s2 = fma(g, LOAD16(0, x + at) - m - o, s2);
        }
        store_partials16(partial, s1, s2, q0, chunks, j);
        return;
    }
    for (int q = q0; q < P; q++) {
        float m = mean[q / hw], o = offset ? offset[q / hw] : 0.0f, t1 = 0.0f, t2 = 0.0f;
        for (int r = r0; r < r1; r++) {
            size_t at = (size_t)r * P + q;
            float g = grad1(LOAD1(dy, at), FUSE ? LOAD1(y, at) : 0.0f);
            t1 += g;
            t2 = fma(g, LOAD1(x, at) - m - o, t2);
        }
        partial[2 * ((size_t)q * chunks + j)] = t1;
        partial[2 * ((size_t)q * chunks + j) + 1] = t2;
    }
}

__kernel void batchnorm_bwd_partial_pos(__global float *partial, __global const ACT_T *dy, __global const ACT_T *x,
                                        __global const ACT_T *y, __global const float *mean,
                                        __global const float *offset, int P, int hw, int N, int rows, int chunks) {
    int q0 = 16 * get_global_id(0), j = get_global_id(1);
    if (q0 >= P || j >= chunks) return;
    bwd_partial_pos_block(q0, j, partial, dy, x, y, mean, offset, P, hw, N, rows, chunks);
}

inline void bwd_apply_pos_block(int q0, int j, __global ACT_T *dx, __global ACT_T *dz, __global const ACT_T *dy,
                                __global const ACT_T *x, __global const ACT_T *y, __global const float *mean,
                                __global const float *offset, __global const float *coef, int P, int hw, int N,
                                int rows) {
    int r0 = j * rows, r1 = min(N, r0 + rows);
    int full = min(POS_BLOCKS, (P - q0) / 16);
    float16 m[POS_BLOCKS], o[POS_BLOCKS], a[POS_BLOCKS], b1[POS_BLOCKS], k[POS_BLOCKS];
    for (int b = 0; b < POS_BLOCKS; b++) {
        if (b >= full) break;
        int q = q0 + 16 * b;
        m[b] = gather16(mean, q, hw, 1, 0);
        o[b] = offset16(offset, q, hw);
        a[b] = gather16(coef, q, hw, 3, 0);
        b1[b] = gather16(coef, q, hw, 3, 1);
        k[b] = gather16(coef, q, hw, 3, 2);
    }
    for (int r = r0; r < r1 && full > 0; r++) {
        for (int b = 0; b < POS_BLOCKS; b++) {
            if (b >= full) break;
            size_t at = (size_t)r * P + q0 + 16 * b;
            float16 g = LOAD16(0, dy + at);
#if FUSE
            g = select((float16)(0.0f), g, LOAD16(0, y + at) > (float16)(0.0f));
#endif
            STORE16(fma(a[b], g, fma(b1[b], LOAD16(0, x + at) - m[b] - o[b], k[b])), 0, dx + at);
#if FUSE == 2
            STORE16(g, 0, dz + at);
#endif
        }
    }
    for (int q = q0 + 16 * full; q < min(P, q0 + 16 * POS_BLOCKS); q++) {
        int c = q / hw;
        float mq = mean[c], oq = offset ? offset[c] : 0.0f;
        float aq = coef[3 * c], bq = coef[3 * c + 1], kq = coef[3 * c + 2];
        for (int r = r0; r < r1; r++) {
            size_t at = (size_t)r * P + q;
            float g = grad1(LOAD1(dy, at), FUSE ? LOAD1(y, at) : 0.0f);
            STORE1(fma(aq, g, fma(bq, LOAD1(x, at) - mq - oq, kq)), dx, at);
#if FUSE == 2
            STORE1(g, dz, at);
#endif
        }
    }
}

__kernel void batchnorm_bwd_apply_pos(__global ACT_T *dx, __global ACT_T *dz, __global const ACT_T *dy,
                                      __global const ACT_T *x, __global const ACT_T *y, __global const float *mean,
                                      __global const float *offset, __global const float *coef, int P, int hw,
                                      int N, int rows) {
    int q0 = 16 * POS_BLOCKS * get_global_id(0), j = get_global_id(1);
    if (q0 >= P || j * rows >= N) return;
    bwd_apply_pos_block(q0, j, dx, dz, dy, x, y, mean, offset, coef, P, hw, N, rows);
}

/*
 * Single-launch path: the positions path's three steps in one kernel, for N x C input (H*W = 1) whose N rows fit
 * one row chunk. Work-item b reduces its 16 channels over all rows, merges them (it alone owns them) and applies,
 * through the same inline functions as the three kernels, so the results are bitwise those of the three-kernel
 * path; only the launches (and their fixed costs, which dominate a 1 MB tensor) go. A work-item reads back the
 * partials, statistics and coefficients it wrote itself, which OpenCL orders without a barrier.
 */
__kernel void batchnorm_fwd_train_single(__global ACT_T *y, __global float *save_mean, __global float *save_invstd,
                                         __global float *save_offset, __global float *run_mean,
                                         __global float *run_var, __global float *run_skipped,
                                         __global float *partial, __global const ACT_T *x, __global const ACT_T *z,
                                         __global const float *gamma, __global const float *beta, int C, int N,
                                         float count, float eps, float w_old, float w_new, float var_scale,
                                         int skip) {
    int q0 = 16 * POS_BLOCKS * get_global_id(0), q1 = min(C, q0 + 16 * POS_BLOCKS);
    if (q0 >= C) return;
    for (int q = q0; q < q1; q += 16) fwd_partial_pos_block(q, 0, partial, x, C, 1, N, N, 1);
    for (int c = q0; c < q1; c++) {
        fwd_merge_channel(c, save_mean, save_invstd, save_offset, run_mean, run_var, run_skipped, partial, x, 1, 1,
                          count, eps, w_old, w_new, var_scale, skip);
    }
    fwd_apply_pos_block(q0, 0, y, x, z, save_mean, save_offset, save_invstd, gamma, beta, C, 1, N, N);
}

__kernel void batchnorm_infer_single(__global ACT_T *y, __global float *mean, __global float *invstd,
                                     __global float *offset, __global const float *run_mean,
                                     __global const float *run_var, __global const ACT_T *x,
                                     __global const ACT_T *z, __global const float *gamma,
                                     __global const float *beta, int C, int N, float eps) {
    int q0 = 16 * POS_BLOCKS * get_global_id(0);
    if (q0 >= C) return;
    for (int c = q0; c < min(C, q0 + 16 * POS_BLOCKS); c++) {
        infer_stats_channel(c, mean, invstd, offset, run_mean, run_var, eps);
    }
    fwd_apply_pos_block(q0, 0, y, x, z, mean, offset, invstd, gamma, beta, C, 1, N, N);
}

__kernel void batchnorm_bwd_single(__global ACT_T *dx, __global ACT_T *dz, __global float *dgamma,
                                   __global float *dbeta, __global float *coef, __global float *partial,
                                   __global const ACT_T *dy, __global const ACT_T *x, __global const ACT_T *y,
                                   __global const float *mean, __global const float *offset,
                                   __global const float *invstd, __global const float *gamma, int C, int N,
                                   float count, int frozen) {
    int q0 = 16 * POS_BLOCKS * get_global_id(0), q1 = min(C, q0 + 16 * POS_BLOCKS);
    if (q0 >= C) return;
    for (int q = q0; q < q1; q += 16) bwd_partial_pos_block(q, 0, partial, dy, x, y, mean, offset, C, 1, N, N, 1);
    for (int c = q0; c < q1; c++) {
        bwd_merge_channel(c, dgamma, dbeta, coef, partial, invstd, gamma, 1, count, frozen);
    }
    bwd_apply_pos_block(q0, 0, dx, dz, dy, x, y, mean, offset, coef, C, 1, N, N);
}

/*
 * Ghost batch norm and batch renormalization (issue 14), in kernels of their own.
 *
 * Ghost: the N samples are G = N/V virtual batches of V contiguous samples (NCHW: sample n of virtual batch g is
 * n = g*V + v). Unit u = g*C + c, channel c of virtual batch g, holds V*HW values in (v, i) order, starting at
 * x + (g*V*C + c)*HW; each unit is normalized by its own statistics, saved as [G][C]. The reductions are the row
 * path's: chunks of `chunk` values of a unit, pivot-shifted sums (pivot = the unit's first value), partials merged
 * in chunk order by one work-item per channel, which walks g = 0, 1, ... in order, so the running statistics take
 * one update per virtual batch in virtual-batch order (Keras 2's ghost batch norm). No copy of x is made.
 *   batchnorm_ghost_fwd_partial (G*C, chunks)   partial[u][j] = (S1, S2)
 *   batchnorm_ghost_fwd_merge   (C)             save_mean[u], save_invstd[u], save_offset[u]; running stats
 *                                               updated G times (each under the skip policy, as plain batch
 *                                               norm's); the weights (w_old, w_new), or 1/(tracked + g + 1) when
 *                                               cumulative
 *   batchnorm_ghost_fwd_apply   (items)         y = fuse(gamma*(x - mean[u] - offset[u])*invstd[u] + beta [+ z])
 *   batchnorm_ghost_bwd_partial (G*C, chunks)   partial[u][j] = (sum g, sum g*(x - mean[u] - offset[u]))
 *   batchnorm_ghost_bwd_merge   (C)             dgamma[c], dbeta[c] summed over g in order; coef[u] = (a, b, k).
 *                                               With r given (renorm): a = gamma*r*invstd, dgamma = r*sum(g*xhat)
 *                                               + d*sum(g)
 *   batchnorm_ghost_bwd_apply   (items)         dx = a*g + b*(x - mean[u] - offset[u]) + k; dz = g
 * The offset is plain batch norm's (the fp32 mean's rounding error, per unit), so both modes are exact when the
 * mean dwarfs the spread; renorm's d takes it too: d = ((mean_B - mean) + offset)/sigma.
 * Renorm runs the ghost kernels with G = 1 (V = N), and batchnorm_renorm_fwd_merge (C) in place of the merge: the
 * batch statistics, then r = clip(sigma_B/sigma, 1/rmax, rmax), d = clip((mean_B - mean)/sigma, -dmax, dmax) from
 * the running statistics before this batch's update (sigma = sqrt(run_var + eps)), scale = gamma*r and shift =
 * gamma*d + beta for the apply (built with AFFINE=1), then the running update. The clips keep NaN.
 */
inline float clip_keep_nan(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

__kernel void batchnorm_ghost_fwd_partial(__global float *partial, __global const ACT_T *x,
                                          int C, int hw, int V, int units, long chunk, int chunks) {
    int u = get_global_id(0), j = get_global_id(1);
    if (u >= units || j >= chunks) return;
    int g = u / C, c = u - g * C;
    __global const ACT_T *base = x + ((size_t)g * V * C + c) * hw;
    float p = LOAD1(base, 0);
    float16 s1 = 0.0f, s2 = 0.0f;
    float t1 = 0.0f, t2 = 0.0f;
    long count = (long)V * hw, e = j * chunk, end = min(count, e + chunk);
    while (e < end) {
        long n = e / hw;
        int i = (int)(e - n * hw), len = (int)min((long)(hw - i), end - e);
        __global const ACT_T *row = base + (size_t)n * C * hw + i;
        int k = 0;
        for (; k + 16 <= len; k += 16) {
            float16 d = LOAD16(0, row + k) - p;
            s1 += d;
            s2 = fma(d, d, s2);
        }
        for (; k < len; k++) {
            float d = LOAD1(row, k) - p;
            t1 += d;
            t2 = fma(d, d, t2);
        }
        e += len;
    }
    size_t at = 2 * ((size_t)u * chunks + j);
    partial[at] = sum16(s1) + t1;
    partial[at + 1] = sum16(s2) + t2;
}

/* A unit's merged pivot-shifted sums: its mean offset from the pivot and its biased variance. */
inline float2 ghost_unit_stats(__global const float *partial, size_t u, int chunks, float count) {
    float s1 = 0.0f, s2 = 0.0f;
    for (int j = 0; j < chunks; j++) {
        s1 += partial[2 * (u * chunks + j)];
        s2 += partial[2 * (u * chunks + j) + 1];
    }
    float dm = s1 / count;
    float var = (s2 - s1 * dm) / count;
    return (float2)(dm, var < 0.0f ? 0.0f : var); /* rounding only; keeps NaN */
}

__kernel void batchnorm_ghost_fwd_merge(__global float *save_mean, __global float *save_invstd,
                                        __global float *save_offset, __global float *run_mean,
                                        __global float *run_var, __global float *run_skipped,
                                        __global const float *partial, __global const ACT_T *x,
                                        int C, int hw, int V, int G, int chunks, float count, float eps,
                                        float w_old, float w_new, long tracked, int cumulative, float var_scale,
                                        int skip) {
    int c = get_global_id(0);
    if (c >= C) return;
    for (int g = 0; g < G; g++) {
        size_t u = (size_t)g * C + c;
        float2 st = ghost_unit_stats(partial, u, chunks, count);
        float p = LOAD1(x, ((size_t)g * V * C + c) * hw), mean = p + st.x;
        save_mean[u] = mean;
        save_invstd[u] = rsqrt(st.y + eps);
        if (save_offset) save_offset[u] = mean_offset(p, st.x, mean);
        if (run_mean) {
            float fresh = cumulative ? 1.0f / (float)(tracked + g + 1) : w_new;
            float keep = cumulative ? 1.0f - fresh : w_old;
            running_update(c, run_mean, run_var, run_skipped, mean, st.y, keep, fresh, var_scale, skip);
        }
    }
}

__kernel void batchnorm_renorm_fwd_merge(__global float *save_mean, __global float *save_invstd,
                                         __global float *save_offset, __global float *r_out,
                                         __global float *d_out, __global float *scale, __global float *shift,
                                         __global float *run_mean, __global float *run_var,
                                         __global float *run_skipped, __global const float *partial,
                                         __global const ACT_T *x, __global const float *gamma,
                                         __global const float *beta, int C, int hw, int chunks, float count,
                                         float eps, float w_old, float w_new, float var_scale, float rmax,
                                         float dmax, int skip) {
    int c = get_global_id(0);
    if (c >= C) return;
    float2 st = ghost_unit_stats(partial, c, chunks, count);
    float p = LOAD1(x, (size_t)c * hw), mean = p + st.x, off = mean_offset(p, st.x, mean);
    save_mean[c] = mean;
    save_invstd[c] = rsqrt(st.y + eps);
    if (save_offset) save_offset[c] = off;
    float sigma = sqrt(run_var[c] + eps);
    float r = clip_keep_nan(sqrt(st.y + eps) / sigma, 1.0f / rmax, rmax);
    /* mean_B - mean is exact near the running mean (Sterbenz); the offset is mean_B's rounding error */
    float d = clip_keep_nan(((mean - run_mean[c]) + off) / sigma, -dmax, dmax);
    float gm = AFFINE ? gamma[c] : 1.0f, bt = AFFINE ? beta[c] : 0.0f;
    r_out[c] = r;
    d_out[c] = d;
    scale[c] = gm * r;
    shift[c] = fma(gm, d, bt);
    running_update(c, run_mean, run_var, run_skipped, mean, st.y, w_old, w_new, var_scale, skip);
}

/* The unit of the row starting at element e of the whole tensor: sample n = r / C, channel c = r % C. */
inline int ghost_unit(long r, int C, int V) { return (int)(r / C / V) * C + (int)(r % C); }

__kernel void batchnorm_ghost_fwd_apply(__global ACT_T *y, __global const ACT_T *x, __global const ACT_T *z,
                                        __global const float *mean, __global const float *offset,
                                        __global const float *invstd,
                                        __global const float *gamma, __global const float *beta,
                                        int C, int hw, int V, long total, long span) {
    long e = get_global_id(0) * span;
    long end = min(total, e + span);
    while (e < end) {
        long r = e / hw;
        int len = (int)min((long)hw - (e - r * hw), end - e), c = (int)(r % C), u = ghost_unit(r, C, V);
        float m = mean[u], o = offset ? offset[u] : 0.0f, sc = invstd[u], sh = 0.0f;
#if AFFINE
        sc *= gamma[c];
        sh = beta[c];
#endif
        fwd_apply_piece(y, x, z, e, len, m, o, sc, sh);
        e += len;
    }
}

__kernel void batchnorm_ghost_bwd_partial(__global float *partial, __global const ACT_T *dy,
                                          __global const ACT_T *x, __global const ACT_T *y,
                                          __global const float *mean, __global const float *offset, int C,
                                          int hw, int V, int units, long chunk, int chunks) {
    int u = get_global_id(0), j = get_global_id(1);
    if (u >= units || j >= chunks) return;
    int g = u / C, c = u - g * C;
    size_t base = ((size_t)g * V * C + c) * hw;
    float m = mean[u], o = offset ? offset[u] : 0.0f;
    float8 s1 = 0.0f, s2 = 0.0f;
    float t1 = 0.0f, t2 = 0.0f;
    long count = (long)V * hw, e = j * chunk, end = min(count, e + chunk);
    while (e < end) {
        long n = e / hw;
        int i = (int)(e - n * hw), len = (int)min((long)(hw - i), end - e);
        size_t row = base + (size_t)n * C * hw + i;
        int k = 0;
        for (; k + 8 <= len; k += 8) {
            float8 yv = FUSE ? LOAD8(0, y + row + k) : (float8)(0.0f);
            float8 gv = grad8(LOAD8(0, dy + row + k), yv);
            s1 += gv;
            s2 = fma(gv, LOAD8(0, x + row + k) - m - o, s2);
        }
        for (; k < len; k++) {
            float gv = grad1(LOAD1(dy, row + k), FUSE ? LOAD1(y, row + k) : 0.0f);
            t1 += gv;
            t2 = fma(gv, LOAD1(x, row + k) - m - o, t2);
        }
        e += len;
    }
    float4 a1 = s1.lo + s1.hi, a2 = s2.lo + s2.hi;
    float2 b1 = a1.lo + a1.hi, b2 = a2.lo + a2.hi;
    size_t at = 2 * ((size_t)u * chunks + j);
    partial[at] = b1.x + b1.y + t1;
    partial[at + 1] = b2.x + b2.y + t2;
}

/* dgamma, dbeta may be NULL (not wanted); r and d NULL for ghost batch norm, [C] for renorm (G = 1). */
__kernel void batchnorm_ghost_bwd_merge(__global float *dgamma, __global float *dbeta, __global float *coef,
                                        __global const float *partial, __global const float *invstd,
                                        __global const float *gamma, __global const float *r,
                                        __global const float *d, int C, int G, int chunks, float count) {
    int c = get_global_id(0);
    if (c >= C) return;
    float dg = 0.0f, db = 0.0f;
    for (int g = 0; g < G; g++) {
        size_t u = (size_t)g * C + c;
        float sg = 0.0f, sgx = 0.0f;
        for (int j = 0; j < chunks; j++) {
            sg += partial[2 * (u * chunks + j)];
            sgx += partial[2 * (u * chunks + j) + 1];
        }
        float is = invstd[u];
        float a = (AFFINE ? gamma[c] : 1.0f) * (r ? r[c] : 1.0f) * is;
        dg += r ? fma(r[c], sgx * is, d[c] * sg) : sgx * is;
        db += sg;
        coef[3 * u] = a;
        coef[3 * u + 1] = -a * is * is * sgx / count;
        coef[3 * u + 2] = -a * sg / count;
    }
    if (dgamma) dgamma[c] = dg;
    if (dbeta) dbeta[c] = db;
}

__kernel void batchnorm_ghost_bwd_apply(__global ACT_T *dx, __global ACT_T *dz, __global const ACT_T *dy,
                                        __global const ACT_T *x, __global const ACT_T *y,
                                        __global const float *mean, __global const float *offset,
                                        __global const float *coef, int C, int hw, int V, long total, long span) {
    long e = get_global_id(0) * span;
    long end = min(total, e + span);
    while (e < end) {
        long r = e / hw;
        int len = (int)min((long)hw - (e - r * hw), end - e), u = ghost_unit(r, C, V);
        float m = mean[u], o = offset ? offset[u] : 0.0f, a = coef[3 * u], b = coef[3 * u + 1], k0 = coef[3 * u + 2];
        bwd_apply_piece(dx, dz, dy, x, y, e, len, m, o, a, b, k0);
        e += len;
    }
}
