/*
 * conv2d_blocked.cl: the direct convolution over output-channel blocks (oneDNN's idea, on NCHW activations).
 * Layouts and index formulas as conv2d.cl: x is (N, C, H, W), y is (N, K, P, Q), groups 1; output row p, filter
 * row r read input row h = p*sh - pt + r*dlh (columns alike), zero outside.
 *
 * The filter is packed once per call into blocks of KB = 16*KV output channels:
 *   wp[kb][c][r][t][j] = w[kb*KB + j][c][r][t], 0 for kb*KB + j >= K
 * so one (c, r, t) of a block is KV float16 vectors lying side by side.
 *
 *   conv2d_pack_blocked  (R*S, C, ceil(K/KB))  the packing above
 *   conv2d_fwd_blocked   (P*ceil(ceil(Q/TQ)/RT), ceil(K/KB), nb)  one work-item owns RT tiles of TQ consecutive
 *                        outputs of row p (RT = 1 unless CB > 0) for
 *                        the KB channels of block kb: TQ x KV float16 accumulators (registers). For each c, r, t it
 *                        loads the block's KV weight vectors once and broadcasts each of the TQ input values
 *                        against them (fma). Images n0 ... n0+nb-1, y written from y + y_off; bias added and ReLU
 *                        applied at the store. Each output is summed over c, r, t in that order, each in one
 *                        lane of one accumulator: deterministic, independent of the local size.
 *                        Filter rows in the padding are skipped by looping over the rows inside the image only
 *                        (a range found once: a skip inside the unrolled loop made the compiler spill the
 *                        accumulators). Tiles whose taps all lie inside the row read x without column checks;
 *                        edge tiles (and the last, partial tile) read a clamped column and select 0 outside
 *                        [0, W), so a NaN next to the padding never leaks in.
 *
 * X_DT, the storage of x, w and y as in conv2d.cl: 0 fp32 (default), 1 fp16, 2 bf16 (act16.clh's ACT codes). 16-bit
 * inputs are widened as they are loaded (the filter once, by the packing, into an fp32 wp; x per tap), the sums
 * stay fp32, and y is rounded once to x's storage, to nearest even (NaN stays NaN, fp16 overflow gives Inf).
 *
 * CB (0: off) cuts the sum over c into blocks of CB channels: a work-item runs each block over its RT tiles in turn,
 * keeping the tiles' partial sums in a private array between blocks, so the block's CB*KR*KS*KB filter floats are
 * read from L1 by all RT tiles rather than streamed from L2 per tile. Every output still sums c, r, t in the same
 * order with the same fma chain: the same bits whatever RT and CB.
 *
 * Defines: KR, KS the filter's R and S, SW, DLW its column stride and dilation (compiled in: the tap loops unroll
 * and neighbouring taps share their input loads; the sw, dlw arguments are not read); TQ (outputs per
 * work-item), KV (float16 vectors of output channels per work-item): TQ*KV accumulators plus KV weights must stay
 * within the 32 zmm registers (docs/convolution-paths.md); HAS_BIAS, RELU as conv2d.cl.
 */
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef RELU
#define RELU 0
#endif
#ifndef KR
#define KR 3
#endif
#ifndef KS
#define KS 3
#endif
#ifndef TQ
#define TQ 7
#endif
#ifndef KV
#define KV 2
#endif
#ifndef SW
#define SW 1
#endif
#ifndef DLW
#define DLW 1
#endif
#define KB (16 * KV)
#ifndef RT
#define RT 1
#endif
#ifndef CB
#define CB 0
#endif
#ifndef X_DT
#define X_DT 0
#endif
#define ACT X_DT
#include "act16.clh"

#define CONV_DIMS int N, int C, int H, int W, int K, int R, int S, int P, int Q, \
                  int sh, int sw, int pt, int pl, int dlh, int dlw, int G

__kernel void conv2d_pack_blocked(__global float *wp, __global const ACT_T *w, int K, int C, int RS) {
    int rs = get_global_id(0), c = get_global_id(1), kb = get_global_id(2);
    if (rs >= RS || c >= C || kb * KB >= K) return;
    __global float *dst = wp + (((size_t)kb * C + c) * RS + rs) * KB;
    for (int j = 0; j < KB; j++) {
        int k = kb * KB + j;
        dst[j] = k < K ? LOAD1(w, ((size_t)k * C + c) * RS + rs) : 0.0f;
    }
}

/* acc[i][j] += x(row xr, column v0 + i*SW + t*DLW) * wv[j] over one input row. CHECKED: columns outside [0, W)
 * read a clamped column (always inside the row) and select 0 instead: no branch, and a NaN there stays out. */
#define ROW_TAPS(CHECKED)                                                                                         \
    _Pragma("unroll") for (int t = 0; t < KS; t++) {                                                              \
        float16 wv[KV];                                                                                           \
        _Pragma("unroll") for (int j = 0; j < KV; j++) wv[j] = vload16(0, wr + (t * KB + 16 * j));                \
        _Pragma("unroll") for (int i = 0; i < TQ; i++) {                                                          \
            float xv;                                                                                             \
            if (CHECKED) {                                                                                        \
                long v = v0 + (long)i * SW + (long)t * DLW;                                                       \
                float xc = LOAD1(xr, (int)clamp(v, 0L, (long)W - 1));                                             \
                xv = v >= 0 && v < W ? xc : 0.0f;                                                                 \
            } else {                                                                                              \
                xv = LOAD1(xr, v0 + i * SW + t * DLW);                                                            \
            }                                                                                                     \
            _Pragma("unroll") for (int j = 0; j < KV; j++) acc[i][j] = fma((float16)(xv), wv[j], acc[i][j]);      \
        }                                                                                                         \
    }

/* The sum over c in [c_a, c_b) and the rows r_lo <= r < r_hi that fall inside the image (a range: h grows with r),
 * then t. */
#define TILE_SUM(CHECKED)                                                                                         \
    for (int c = c_a; c < c_b; c++) {                                                                             \
        __global const ACT_T *xc = xn + (size_t)c * H * W;                                                        \
        __global const float *wc = wk + (size_t)c * (KR * KS * KB);                                               \
        for (int r = r_lo; r < r_hi; r++) {                                                                       \
            __global const ACT_T *xr = xc + (size_t)(h0 + r * dlh) * W;                                           \
            __global const float *wr = wc + r * (KS * KB);                                                        \
            ROW_TAPS(CHECKED)                                                                                     \
        }                                                                                                         \
    }

/* The tile at columns q0 ... (v0 the first input column) summed over channels [c_a, c_b) into acc: the unchecked
 * path when every tap lies inside the row (in long: a stride or dilation near 2^30 times the tile would wrap int) */
#define TILE(q0, v0)                                                                                              \
    if (v0 >= 0 && q0 + TQ <= Q && v0 + (long)(TQ - 1) * SW + (long)(KS - 1) * DLW < W) {                         \
        TILE_SUM(0)                                                                                               \
    } else {                                                                                                      \
        TILE_SUM(1)                                                                                               \
    }

/* acc (outputs q0 ... of row p, the channels of block kb, image n) to y: bias, ReLU, rounded to y's storage */
#define STORE_TILE(q0)                                                                                            \
    _Pragma("unroll") for (int i = 0; i < TQ; i++) {                                                              \
        int q = q0 + i;                                                                                           \
        if (q >= Q) break;                                                                                        \
        _Pragma("unroll") for (int j = 0; j < KV; j++) {                                                          \
            float lanes[16];                                                                                      \
            vstore16(acc[i][j], 0, lanes);                                                                        \
            for (int l = 0; l < 16; l++) {                                                                        \
                int k = kb * KB + 16 * j + l;                                                                     \
                if (k >= K) break;                                                                                \
                float out = lanes[l];                                                                             \
                if (HAS_BIAS) out += bias[k];                                                                     \
                if (RELU) out = out < 0.0f ? 0.0f : out;                                                          \
                STORE1(out, y, y_off + (((size_t)n * K + k) * P + p) * Q + q);                                    \
            }                                                                                                     \
        }                                                                                                         \
    }

__kernel void conv2d_fwd_blocked(__global ACT_T *y, __global const ACT_T *x, __global const float *wp,
                                 __global const float *bias, int y_off, int n0, CONV_DIMS) {
    int QT = (Q + TQ - 1) / TQ, GT = (QT + RT - 1) / RT;
    int item = get_global_id(0), kb = get_global_id(1), n = n0 + get_global_id(2);
    if (item >= P * GT || kb * KB >= K || n >= N) return;
    int p = item / GT, t0 = item % GT * RT, t1 = min(t0 + RT, QT);
    __global const ACT_T *xn = x + (size_t)n * C * H * W;
    __global const float *wk = wp + (size_t)kb * C * (KR * KS * KB);
    int h0 = p * sh - pt, r_lo = 0, r_hi = KR;
    while (r_lo < KR && h0 + r_lo * dlh < 0) r_lo++;
    while (r_hi > r_lo && h0 + (r_hi - 1) * dlh >= H) r_hi--;
#if CB == 0
    /* one tile, all channels at once, in registers throughout */
    int c_a = 0, c_b = C, q0 = t0 * TQ, v0 = q0 * SW - pl;
    float16 acc[TQ][KV];
    _Pragma("unroll") for (int i = 0; i < TQ; i++) {
        _Pragma("unroll") for (int j = 0; j < KV; j++) acc[i][j] = (float16)(0.0f);
    }
    TILE(q0, v0)
    STORE_TILE(q0)
#else
    /* RT tiles, CB channels at a time (their filter block stays in L1 across the tiles); partial sums kept in part
     * between blocks: the same fma sequence per output as above, so the same bits */
    float16 part[RT][TQ][KV];
    for (int c_a = 0; c_a < C; c_a += CB) {
        int c_b = min(C, c_a + CB);
        for (int tq = t0; tq < t1; tq++) {
            int q0 = tq * TQ, v0 = q0 * SW - pl;
            float16 acc[TQ][KV];
            _Pragma("unroll") for (int i = 0; i < TQ; i++) {
                _Pragma("unroll") for (int j = 0; j < KV; j++) {
                    acc[i][j] = c_a == 0 ? (float16)(0.0f) : part[tq - t0][i][j];
                }
            }
            TILE(q0, v0)
            if (c_b < C) {
                _Pragma("unroll") for (int i = 0; i < TQ; i++) {
                    _Pragma("unroll") for (int j = 0; j < KV; j++) part[tq - t0][i][j] = acc[i][j];
                }
            } else {
                STORE_TILE(q0)
            }
        }
    }
#endif
}
