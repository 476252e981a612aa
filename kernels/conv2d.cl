/*
 * conv2d.cl: 2-D convolution, NCHW fp32. x is (N, C, H, W), w is (K, C/G, R, S), y is (N, K, P, Q). Output
 * channel k belongs to group k / (K/G) and reads input channels of that group only. Output row p, filter row r
 * read input row h = p*sh - pt + r*dlh (columns alike); rows outside [0, H) are padding (zero).
 *
 * Direct variants, the reference's twins: one work-item per element of the result, a plain loop over what it
 * sums, accumulated in order with fma (deterministic).
 *   conv2d_fwd_direct          (P*Q, K, nb)   y = [relu](bias + sum over c, r, t of x*w), images n0 ... n0+nb-1
 *   conv2d_bwd_data_direct     (H*W, C, N)    dx = sum over k of the group, r, t with p = (h + pt - r*dlh)/sh
 *                                             an integer in [0, P) (columns alike) of dy*w
 *   conv2d_bwd_weights_direct  (R*S, C/G, K)  dw = sum over n, p, q of dy*x
 *   conv2d_bwd_bias            (K)            dbias = sum over n, p, q of dy
 *
 * (conv2d_depthwise.cl holds the row kernels for depthwise and other shapes too thin for GEMM.)
 *
 * GEMM path helpers (the convolution becomes GEMMs with matmul.cl):
 *   conv2d_im2col  (C*R*S, nb)  col[i][(c*R + r)*S + t][p*Q + q] = x[n0 + i][c][h][v], 0 in the padding
 *   conv2d_im2col_wide (C*R*S, nb)  the same into col[(c*R + r)*S + t][i][p*Q + q]: one matrix whose rows run
 *                               over the chunk's images, for one GEMM per chunk (forward and backward-weights
 *                               below 256 output positions)
 *   conv2d_images_wide (K, nb)  dst[k][i][pq] = src[n0 + i][k][pq]: dy regrouped the same way
 *   conv2d_images_narrow (K, nb)  dst[dst_off + ((n0 + i)*K + k)*PQ + pq] = src[k][i][pq]: the forward's wide
 *                               output put back in NCHW
 *   conv2d_bwd_weights_dot (KG/TM, NG/TN, G)  dw = dy * col^T summed over a chunk's images, both read along P*Q
 *                               in place: TM x TN tiles of dw, float16 lanes along k added in a fixed order
 *   conv2d_col2im  (H, C, nb)   dx[n0 + i][c][h][v] = sum over r, t whose (p, q) lands on (h, v) of
 *                               dcol[i][(c*R + r)*S + t][p*Q + q]: a gather, so each dx is summed in one fixed order
 *   conv2d_sum_images (len)     dw[i] = (accumulate ? dw[i] : 0) + sum over b < nb, in order, of part[b*len + i]:
 *                               the depthwise backward-weights' per-image results added up deterministically
 *   conv2d_flip_weights (RA*SB, K/G, C)  wf[c][kk][j][i] = w[g*(K/G) + kk][c - g*(C/G)][r0 + sh*(RA-1-j)]
 *                               [t0 + sw*(SB-1-i)], g = c/(C/G): the taps r0, r0+sh, ... (columns alike), flipped.
 *                               With stride 1 (r0 = t0 = 0, RA = R, SB = S) backward-data is the forward
 *                               convolution of dy with wf; with stride s, dx's rows h = a (mod s) are the
 *                               forward convolution of dy with the taps r = (a + pt) (mod s) (no dilation)
 *   conv2d_phase_gather (H, C, N)  dx[n][c][h][v] = phase (h%sh, v%sw)'s [n][c][h/sh][v/sw], phases HS x WS
 *                               each, one after another in ph; 0 for a phase with no taps
 *
 * Defines: HAS_BIAS (0/1), RELU (0/1) for the forward; TM, TN (4, 4) the dot kernel's tile (8 x 2 and 2 x 8
 * measured 3-25% slower).
 *
 * X_DT, the storage of x, w, y, dy, dx and the col matrices: 0 fp32 (default), 1 fp16, 2 bf16
 * (docs/half-precision-gemm-conv.md). Arithmetic kernels widen 16-bit values as they load them (vload_half, or the
 * bits shifted into an fp32's upper half) and sum in fp32; a 16-bit output is rounded once, to nearest even (NaN
 * stays NaN, overflow gives Inf). Kernels that only move values (im2col, the image regroupings, the filter flip,
 * the phase gather) copy the 16 bits as they are (XS). Bias, dw, dbias, dcol and the dw partials stay fp32.
 */
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef RELU
#define RELU 0
#endif

#ifndef X_DT
#define X_DT 0
#endif
#define CV_CAT_(a, b) a##b
#define CV_CAT(a, b) CV_CAT_(a, b)
#define DT_0 float
#define DT_1 half
#define DT_2 ushort
#define XT CV_CAT(DT_, X_DT)
#if X_DT == 0
#define XS float
#else
#define XS ushort
#endif
/* LD: element i widened to fp32; VLD16: 16 elements from p; ST: x rounded into element i */
#define LD_0(p, i) ((p)[i])
#define LD_1(p, i) vload_half(i, p)
#define LD_2(p, i) as_float((uint)(p)[i] << 16)
#define LD(p, i) CV_CAT(LD_, X_DT)(p, i)
#define VLD16_0(p) vload16(0, p)
#define VLD16_1(p) vload_half16(0, p)
#define VLD16_2(p) as_float16(convert_uint16(vload16(0, p)) << 16)
#define VLD16(p) CV_CAT(VLD16_, X_DT)(p)
#define ST_0(x, i, p) ((p)[i] = (x))
#define ST_1(x, i, p) vstore_half_rte(x, i, p)
#define ST_2(x, i, p) ((p)[i] = bf16_rne(x))
#define ST(x, i, p) CV_CAT(ST_, X_DT)(x, i, p)

/* fp32 -> bf16, round to nearest even; a NaN keeps its sign and top payload bits and is made quiet. */
inline ushort bf16_rne(float f) {
    uint u = as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (ushort)((u >> 16) | 0x0040u);
    return (ushort)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

#define CONV_DIMS int N, int C, int H, int W, int K, int R, int S, int P, int Q, \
                  int sh, int sw, int pt, int pl, int dlh, int dlw, int G

__kernel void conv2d_fwd_direct(__global XT *y, __global const XT *x, __global const XT *w,
                                __global const float *bias, int n0, CONV_DIMS) {
    int pq = get_global_id(0), k = get_global_id(1), n = n0 + get_global_id(2);
    if (pq >= P * Q || k >= K || n >= N) return;
    int p = pq / Q, q = pq % Q, CG = C / G, c0 = k / (K / G) * CG;
    float acc = HAS_BIAS ? bias[k] : 0.0f;
    for (int c = 0; c < CG; c++) {
        __global const XT *xc = x + ((size_t)n * C + c0 + c) * H * W;
        __global const XT *wc = w + ((size_t)k * CG + c) * R * S;
        for (int r = 0; r < R; r++) {
            int h = p * sh - pt + r * dlh;
            if (h < 0 || h >= H) continue;
            for (int t = 0; t < S; t++) {
                int v = q * sw - pl + t * dlw;
                if (v >= 0 && v < W) acc = fma(LD(xc, h * W + v), LD(wc, r * S + t), acc);
            }
        }
    }
#if RELU
    acc = acc < 0.0f ? 0.0f : acc;
#endif
    ST(acc, (((size_t)n * K + k) * P + p) * Q + q, y);
}

__kernel void conv2d_bwd_data_direct(__global XT *dx, __global const XT *dy, __global const XT *w,
                                     CONV_DIMS) {
    int hv = get_global_id(0), c = get_global_id(1), n = get_global_id(2);
    if (hv >= H * W || c >= C || n >= N) return;
    int h = hv / W, v = hv % W, CG = C / G, KG = K / G, g = c / CG, cc = c % CG;
    float acc = 0.0f;
    for (int kk = 0; kk < KG; kk++) {
        int k = g * KG + kk;
        __global const XT *dyk = dy + ((size_t)n * K + k) * P * Q;
        __global const XT *wk = w + ((size_t)k * CG + cc) * R * S;
        for (int r = 0; r < R; r++) {
            int hp = h + pt - r * dlh;
            if (hp < 0 || hp % sh != 0 || hp / sh >= P) continue;
            for (int t = 0; t < S; t++) {
                int vq = v + pl - t * dlw;
                if (vq < 0 || vq % sw != 0 || vq / sw >= Q) continue;
                acc = fma(LD(dyk, (hp / sh) * Q + vq / sw), LD(wk, r * S + t), acc);
            }
        }
    }
    ST(acc, (((size_t)n * C + c) * H + h) * W + v, dx);
}

__kernel void conv2d_bwd_weights_direct(__global float *dw, __global const XT *dy, __global const XT *x,
                                        CONV_DIMS) {
    int rt = get_global_id(0), cc = get_global_id(1), k = get_global_id(2);
    int CG = C / G;
    if (rt >= R * S || cc >= CG || k >= K) return;
    int r = rt / S, t = rt % S, c = k / (K / G) * CG + cc;
    float acc = 0.0f;
    for (int n = 0; n < N; n++) {
        __global const XT *dyk = dy + ((size_t)n * K + k) * P * Q;
        __global const XT *xc = x + ((size_t)n * C + c) * H * W;
        for (int p = 0; p < P; p++) {
            int h = p * sh - pt + r * dlh;
            if (h < 0 || h >= H) continue;
            for (int q = 0; q < Q; q++) {
                int v = q * sw - pl + t * dlw;
                if (v >= 0 && v < W) acc = fma(LD(dyk, p * Q + q), LD(xc, h * W + v), acc);
            }
        }
    }
    dw[((size_t)k * CG + cc) * R * S + rt] = acc;
}

__kernel void conv2d_bwd_bias(__global float *dbias, __global const XT *dy, int N, int K, int PQ) {
    int k = get_global_id(0);
    if (k >= K) return;
    float acc = 0.0f;
    for (int n = 0; n < N; n++) {
        __global const XT *dyk = dy + ((size_t)n * K + k) * PQ;
        for (int i = 0; i < PQ; i++) acc += LD(dyk, i);
    }
    dbias[k] = acc;
}

/* One row of im2col's matrix, tap (c, r, t) of image n over all P*Q outputs, at out. */
inline void im2col_row(__global XS *out, __global const XS *x, int n, int row, CONV_DIMS) {
    int c = row / (R * S), r = row / S % R, t = row % S;
    __global const XS *xc = x + ((size_t)n * C + c) * H * W;
    /* columns q in [qlo, qhi) read inside the row: v = q*sw + off in [0, W) */
    int off = t * dlw - pl, qlo = off >= 0 ? 0 : min(Q, (-off + sw - 1) / sw);
    int qhi = W - 1 - off < 0 ? qlo : max(qlo, min(Q, (W - 1 - off) / sw + 1));
    for (int p = 0; p < P; p++, out += Q) {
        int h = p * sh - pt + r * dlh;
        if (h < 0 || h >= H) {
            for (int q = 0; q < Q; q++) out[q] = (XS)0;
            continue;
        }
        __global const XS *xr = xc + h * W;
        for (int q = 0; q < qlo; q++) out[q] = (XS)0;
        if (sw == 1) {
            for (int q = qlo; q < qhi; q++) out[q] = xr[q + off];
        } else {
            for (int q = qlo; q < qhi; q++) out[q] = xr[q * sw + off];
        }
        for (int q = qhi; q < Q; q++) out[q] = (XS)0;
    }
}

#define CONV_ARGS N, C, H, W, K, R, S, P, Q, sh, sw, pt, pl, dlh, dlw, G

__kernel void conv2d_im2col(__global XS *col, __global const XS *x, int n0, CONV_DIMS) {
    int row = get_global_id(0), i = get_global_id(1);
    if (row >= C * R * S || n0 + i >= N) return;
    im2col_row(col + ((size_t)i * C * R * S + row) * P * Q, x, n0 + i, row, CONV_ARGS);
}

__kernel void conv2d_im2col_wide(__global XS *col, __global const XS *x, int n0, int nb, CONV_DIMS) {
    int row = get_global_id(0), i = get_global_id(1);
    if (row >= C * R * S || i >= nb) return;
    im2col_row(col + ((size_t)row * nb + i) * P * Q, x, n0 + i, row, CONV_ARGS);
}

__kernel void conv2d_images_wide(__global XS *dst, __global const XS *src, int n0, int nb, int K, int PQ) {
    int k = get_global_id(0), i = get_global_id(1);
    if (k >= K || i >= nb) return;
    __global const XS *in = src + ((size_t)(n0 + i) * K + k) * PQ;
    __global XS *out = dst + ((size_t)k * nb + i) * PQ;
    for (int j = 0; j < PQ; j++) out[j] = in[j];
}

__kernel void conv2d_images_narrow(__global XS *dst, __global const XS *src, int n0, int nb, int K, int PQ,
                                   int dst_off) {
    int k = get_global_id(0), i = get_global_id(1);
    if (k >= K || i >= nb) return;
    __global const XS *in = src + ((size_t)k * nb + i) * PQ;
    __global XS *out = dst + dst_off + ((size_t)(n0 + i) * K + k) * PQ;
    for (int j = 0; j < PQ; j++) out[j] = in[j];
}

__kernel void conv2d_col2im(__global XT *dx, __global const float *dcol, int n0, CONV_DIMS) {
    int h = get_global_id(0), c = get_global_id(1), i = get_global_id(2);
    if (h >= H || c >= C || n0 + i >= N) return;
    __global const float *dc = dcol + (size_t)i * C * R * S * P * Q;
    __global XT *out = dx + (((size_t)(n0 + i) * C + c) * H + h) * W;
    for (int v = 0; v < W; v++) {
        float acc = 0.0f;
        for (int r = 0; r < R; r++) {
            int hp = h + pt - r * dlh;
            if (hp < 0 || hp % sh != 0 || hp / sh >= P) continue;
            for (int t = 0; t < S; t++) {
                int vq = v + pl - t * dlw;
                if (vq < 0 || vq % sw != 0 || vq / sw >= Q) continue;
                acc += dc[((size_t)(c * R + r) * S + t) * P * Q + (hp / sh) * Q + vq / sw];
            }
        }
        ST(acc, v, out);
    }
}

/* dw[g][m][n] = (acc ? dw : 0) + sum over images i < nb and k < PQ of dy[n0+i][g*KG + m][k] * col[i][g][n][k]:
 * backward-weights with both operands read along k in place (no packing). One work-item per TM x TN tile of dw
 * (rows and columns past the edge clamped, not stored), 16 k per step in TM*TN float16 accumulators, lanes added
 * in a fixed order at the end. col's image i, group g, row n starts at col + off + i*img + g*grp + n*PQ.
 * Dimension 0 (run fastest) walks m, or n if n_first: consecutive work-items share the other operand's rows.
 * Needs PQ >= 16. */
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif
__kernel void conv2d_bwd_weights_dot(__global float *dw, __global const XT *dy, __global const XT *col,
                                     int n0, int nb, int K, int KG, int NG, int PQ, int off, int img, int grp,
                                     int acc_in, int n_first) {
    int m0 = get_global_id(n_first) * TM, c0 = get_global_id(1 - n_first) * TN, g = get_global_id(2);
    if (m0 >= KG || c0 >= NG) return;
    float16 acc[TM][TN];
#pragma unroll
    for (int a = 0; a < TM; a++)
#pragma unroll
        for (int b = 0; b < TN; b++) acc[a][b] = (float16)(0.0f);
    int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int i = 0; i < nb; i++) {
        __global const XT *pa[TM], *pb[TN];
#pragma unroll
        for (int a = 0; a < TM; a++) pa[a] = dy + ((size_t)(n0 + i) * K + g * KG + min(m0 + a, KG - 1)) * PQ;
#pragma unroll
        for (int b = 0; b < TN; b++)
            pb[b] = col + off + (size_t)i * img + (size_t)g * grp + (size_t)min(c0 + b, NG - 1) * PQ;
        for (int k = 0; k < PQ; k += 16) {
            float16 va[TM], vb[TN];
            /* the last partial step re-reads the final 16 k, the lanes already summed zeroed in va */
            int k1 = min(k, PQ - 16);
#pragma unroll
            for (int a = 0; a < TM; a++) va[a] = VLD16(pa[a] + k1);
#pragma unroll
            for (int b = 0; b < TN; b++) vb[b] = VLD16(pb[b] + k1);
            if (k1 != k) {
#pragma unroll
                for (int a = 0; a < TM; a++) va[a] = select((float16)(0.0f), va[a], lane >= (int16)(k - k1));
            }
#pragma unroll
            for (int a = 0; a < TM; a++)
#pragma unroll
                for (int b = 0; b < TN; b++) acc[a][b] = fma(va[a], vb[b], acc[a][b]);
        }
    }
    for (int a = 0; a < TM && m0 + a < KG; a++) {
        for (int b = 0; b < TN && c0 + b < NG; b++) {
            float8 s8 = acc[a][b].lo + acc[a][b].hi;
            float4 s4 = s8.lo + s8.hi;
            float2 s2 = s4.lo + s4.hi;
            __global float *out = dw + ((size_t)g * KG + m0 + a) * NG + c0 + b;
            *out = (acc_in ? *out : 0.0f) + (s2.x + s2.y);
        }
    }
}

__kernel void conv2d_flip_weights(__global XS *wf, __global const XS *w, int C, int K, int R, int S, int G,
                                  int r0, int sh, int RA, int t0, int sw, int SB) {
    int jt = get_global_id(0), kk = get_global_id(1), c = get_global_id(2);
    int CG = C / G, KG = K / G;
    if (jt >= RA * SB || kk >= KG || c >= C) return;
    int j = jt / SB, i = jt % SB, g = c / CG;
    int r = r0 + sh * (RA - 1 - j), t = t0 + sw * (SB - 1 - i);
    wf[(((size_t)c * KG + kk) * RA + j) * SB + i] = w[(((size_t)(g * KG + kk) * CG + c % CG) * R + r) * S + t];
}

__kernel void conv2d_phase_gather(__global XS *dx, __global const XS *ph, int N, int C, int H, int W, int R,
                                  int S, int sh, int sw, int pt, int pl, int HS, int WS) {
    int h = get_global_id(0), c = get_global_id(1), n = get_global_id(2);
    if (h >= H || c >= C || n >= N) return;
    int a = h % sh;
    bool rows = (a + pt) % sh < R;
    size_t plane = (size_t)N * C * HS * WS;
    __global const XS *src = ph + a * sw * plane + ((size_t)n * C + c) * HS * WS + (size_t)(h / sh) * WS;
    __global XS *out = dx + (((size_t)n * C + c) * H + h) * W;
    for (int b = 0; b < sw; b++, src += plane) { /* column phase b: v = b, b + sw, ... */
        bool taps = rows && (b + pl) % sw < S;
        for (int vq = 0; vq * sw + b < W; vq++) out[vq * sw + b] = taps ? src[vq] : (XS)0;
    }
}

__kernel void conv2d_sum_images(__global float *dw, __global const float *part, int nb, int len, int accumulate) {
    int i = get_global_id(0);
    if (i >= len) return;
    float acc = accumulate ? dw[i] : 0.0f;
    for (int b = 0; b < nb; b++) acc += part[(size_t)b * len + i];
    dw[i] = acc;
}
