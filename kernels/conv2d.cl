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
 *
 * GEMM path helpers (the convolution becomes GEMMs with matmul.cl):
 *   conv2d_im2col  (C*R*S, nb)  col[i][(c*R + r)*S + t][p*Q + q] = x[n0 + i][c][h][v], 0 in the padding
 *   conv2d_col2im  (H, C, nb)   dx[n0 + i][c][h][v] = sum over r, t whose (p, q) lands on (h, v) of
 *                               dcol[i][(c*R + r)*S + t][p*Q + q]: a gather, so each dx is summed in one fixed order
 *   conv2d_sum_images (len)     dw[i] = (accumulate ? dw[i] : 0) + sum over b < nb, in order, of part[b*len + i]:
 *                               backward-weights' per-image GEMM results added up deterministically
 *   conv2d_flip_weights (RA*SB, K/G, C)  wf[c][kk][j][i] = w[g*(K/G) + kk][c - g*(C/G)][r0 + sh*(RA-1-j)]
 *                               [t0 + sw*(SB-1-i)], g = c/(C/G): the taps r0, r0+sh, ... (columns alike), flipped.
 *                               With stride 1 (r0 = t0 = 0, RA = R, SB = S) backward-data is the forward
 *                               convolution of dy with wf; with stride s, dx's rows h = a (mod s) are the
 *                               forward convolution of dy with the taps r = (a + pt) (mod s) (no dilation)
 *   conv2d_phase_gather (H, C, N)  dx[n][c][h][v] = phase (h%sh, v%sw)'s [n][c][h/sh][v/sw], phases HS x WS
 *                               each, one after another in ph; 0 for a phase with no taps
 *
 * Defines: HAS_BIAS (0/1), RELU (0/1) for the forward; KR, KS (the filter's R, S) for the depthwise kernels.
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

#define CONV_DIMS int N, int C, int H, int W, int K, int R, int S, int P, int Q, \
                  int sh, int sw, int pt, int pl, int dlh, int dlw, int G

__kernel void conv2d_fwd_direct(__global float *y, __global const float *x, __global const float *w,
                                __global const float *bias, int n0, CONV_DIMS) {
    int pq = get_global_id(0), k = get_global_id(1), n = n0 + get_global_id(2);
    if (pq >= P * Q || k >= K || n >= N) return;
    int p = pq / Q, q = pq % Q, CG = C / G, c0 = k / (K / G) * CG;
    float acc = HAS_BIAS ? bias[k] : 0.0f;
    for (int c = 0; c < CG; c++) {
        __global const float *xc = x + ((size_t)n * C + c0 + c) * H * W;
        __global const float *wc = w + ((size_t)k * CG + c) * R * S;
        for (int r = 0; r < R; r++) {
            int h = p * sh - pt + r * dlh;
            if (h < 0 || h >= H) continue;
            for (int t = 0; t < S; t++) {
                int v = q * sw - pl + t * dlw;
                if (v >= 0 && v < W) acc = fma(xc[h * W + v], wc[r * S + t], acc);
            }
        }
    }
#if RELU
    acc = acc < 0.0f ? 0.0f : acc;
#endif
    y[(((size_t)n * K + k) * P + p) * Q + q] = acc;
}

/* 16 values along q of an input row, v = v0 + qq*sw + t*dlw for t < S in turn: seg holds the span they cover,
 * zeros past the row, so each tap reads it without bounds checks. */
#define SEG 64
inline float16 seg_tap(const float *seg, int t, int sw, int dlw) {
    if (sw == 1) return vload16(0, seg + t * dlw);
    float tmp[16];
    for (int qq = 0; qq < 16; qq++) tmp[qq] = seg[qq * sw + t * dlw];
    return vload16(0, tmp);
}

/* One work-item per output row p of channel k, image n0 + i, 16 outputs along q at a time: a plain loop over
 * what they sum, as conv2d_fwd_direct. Fast when (C/G)*R*S is small (depthwise). Needs
 * 15*sw + (S-1)*dlw + 1 <= SEG. */
__kernel void conv2d_fwd_depthwise(__global float *y, __global const float *x, __global const float *w,
                                   __global const float *bias, int y_off, int n0, CONV_DIMS) {
    int p = get_global_id(0), k = get_global_id(1), n = n0 + get_global_id(2);
    if (p >= P || k >= K || n >= N) return;
    R = KR; /* the filter size compiled in: tap loops unrolled */
    S = KS;
    int CG = C / G, c0 = k / (K / G) * CG, span = 15 * sw + (S - 1) * dlw + 1;
    __global float *yr = y + y_off + (((size_t)n * K + k) * P + p) * Q;
    float seg[SEG];
    for (int q0 = 0; q0 < Q; q0 += 16) {
        int v0 = q0 * sw - pl;
        bool inside = sw == 1 && v0 >= 0 && v0 + span <= W;
        float16 acc = (float16)(HAS_BIAS ? bias[k] : 0.0f);
        for (int c = 0; c < CG; c++) {
            __global const float *xc = x + ((size_t)n * C + c0 + c) * H * W;
            __global const float *wc = w + ((size_t)k * CG + c) * R * S;
            for (int r = 0; r < R; r++) {
                int h = p * sh - pt + r * dlh;
                if (h < 0 || h >= H) continue;
                __global const float *xr = xc + h * W;
                if (inside) {
                    for (int t = 0; t < S; t++) acc = fma(vload16(0, xr + v0 + t * dlw), (float16)(wc[r * S + t]), acc);
                    continue;
                }
                for (int e = 0; e < span; e++) seg[e] = v0 + e >= 0 && v0 + e < W ? xr[v0 + e] : 0.0f;
                for (int t = 0; t < S; t++) acc = fma(seg_tap(seg, t, sw, dlw), (float16)(wc[r * S + t]), acc);
            }
        }
#if RELU
        acc = select(acc, (float16)(0.0f), acc < (float16)(0.0f));
#endif
        if (q0 + 16 <= Q) {
            vstore16(acc, 0, yr + q0);
        } else {
            vstore16(acc, 0, seg);
            for (int qq = 0; qq < Q - q0; qq++) yr[q0 + qq] = seg[qq];
        }
    }
}

/* One work-item per (k, c of its group) and image n: that image's share of dw[k][c][.][.], each tap summed 16
 * columns q at a time (lanes past Q masked), lanes added in order at the end; into part[n][k][c][r][t], which
 * conv2d_sum_images adds up image by image. Needs the span of conv2d_fwd_depthwise. */
__kernel void conv2d_bwd_weights_depthwise(__global float *part, __global const float *dy, __global const float *x,
                                           CONV_DIMS) {
    int kc = get_global_id(0), n = get_global_id(1), CG = C / G;
    if (kc >= K * CG || n >= N) return;
    R = KR; /* the filter size compiled in: the accumulators stay in registers */
    S = KS;
    int k = kc / CG, c = k / (K / G) * CG + kc % CG, span = 15 * sw + (S - 1) * dlw + 1;
    __global const float *dyk = dy + ((size_t)n * K + k) * P * Q, *xc = x + ((size_t)n * C + c) * H * W;
    float16 acc[KR * KS];
    for (int j = 0; j < R * S; j++) acc[j] = (float16)(0.0f);
    float seg[SEG];
    for (int p = 0; p < P; p++) {
        for (int q0 = 0; q0 < Q; q0 += 16) {
            int v0 = q0 * sw - pl, nq = min(16, Q - q0);
            int16 live = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) < (int16)(nq);
            float16 d = nq == 16 ? vload16(0, dyk + p * Q + q0) : (float16)(0.0f);
            for (int qq = 0; nq < 16 && qq < nq; qq++) seg[qq] = dyk[p * Q + q0 + qq];
            if (nq < 16) d = select(d, vload16(0, seg), live);
            bool fast = nq == 16 && sw == 1 && v0 >= 0 && v0 + span <= W;
            for (int r = 0; r < R; r++) {
                int h = p * sh - pt + r * dlh;
                if (h < 0 || h >= H) continue;
                __global const float *xr = xc + h * W;
                if (fast) {
                    for (int t = 0; t < S; t++) acc[r * S + t] = fma(d, vload16(0, xr + v0 + t * dlw), acc[r * S + t]);
                    continue;
                }
                for (int e = 0; e < span; e++) seg[e] = v0 + e >= 0 && v0 + e < W ? xr[v0 + e] : 0.0f;
                for (int t = 0; t < S; t++)
                    acc[r * S + t] = fma(d, select((float16)(0.0f), seg_tap(seg, t, sw, dlw), live), acc[r * S + t]);
            }
        }
    }
    __global float *out = part + ((size_t)n * K * CG + kc) * R * S;
    for (int j = 0; j < R * S; j++) {
        float16 a = acc[j];
        float8 s8 = a.lo + a.hi;
        float4 s4 = s8.lo + s8.hi;
        float2 s2 = s4.lo + s4.hi;
        out[j] = s2.x + s2.y;
    }
}

__kernel void conv2d_bwd_data_direct(__global float *dx, __global const float *dy, __global const float *w,
                                     CONV_DIMS) {
    int hv = get_global_id(0), c = get_global_id(1), n = get_global_id(2);
    if (hv >= H * W || c >= C || n >= N) return;
    int h = hv / W, v = hv % W, CG = C / G, KG = K / G, g = c / CG, cc = c % CG;
    float acc = 0.0f;
    for (int kk = 0; kk < KG; kk++) {
        int k = g * KG + kk;
        __global const float *dyk = dy + ((size_t)n * K + k) * P * Q;
        __global const float *wk = w + ((size_t)k * CG + cc) * R * S;
        for (int r = 0; r < R; r++) {
            int hp = h + pt - r * dlh;
            if (hp < 0 || hp % sh != 0 || hp / sh >= P) continue;
            for (int t = 0; t < S; t++) {
                int vq = v + pl - t * dlw;
                if (vq < 0 || vq % sw != 0 || vq / sw >= Q) continue;
                acc = fma(dyk[(hp / sh) * Q + vq / sw], wk[r * S + t], acc);
            }
        }
    }
    dx[(((size_t)n * C + c) * H + h) * W + v] = acc;
}

__kernel void conv2d_bwd_weights_direct(__global float *dw, __global const float *dy, __global const float *x,
                                        CONV_DIMS) {
    int rt = get_global_id(0), cc = get_global_id(1), k = get_global_id(2);
    int CG = C / G;
    if (rt >= R * S || cc >= CG || k >= K) return;
    int r = rt / S, t = rt % S, c = k / (K / G) * CG + cc;
    float acc = 0.0f;
    for (int n = 0; n < N; n++) {
        __global const float *dyk = dy + ((size_t)n * K + k) * P * Q;
        __global const float *xc = x + ((size_t)n * C + c) * H * W;
        for (int p = 0; p < P; p++) {
            int h = p * sh - pt + r * dlh;
            if (h < 0 || h >= H) continue;
            for (int q = 0; q < Q; q++) {
                int v = q * sw - pl + t * dlw;
                if (v >= 0 && v < W) acc = fma(dyk[p * Q + q], xc[h * W + v], acc);
            }
        }
    }
    dw[((size_t)k * CG + cc) * R * S + rt] = acc;
}

__kernel void conv2d_bwd_bias(__global float *dbias, __global const float *dy, int N, int K, int PQ) {
    int k = get_global_id(0);
    if (k >= K) return;
    float acc = 0.0f;
    for (int n = 0; n < N; n++) {
        __global const float *dyk = dy + ((size_t)n * K + k) * PQ;
        for (int i = 0; i < PQ; i++) acc += dyk[i];
    }
    dbias[k] = acc;
}

__kernel void conv2d_im2col(__global float *col, __global const float *x, int n0, CONV_DIMS) {
    int row = get_global_id(0), i = get_global_id(1);
    if (row >= C * R * S || n0 + i >= N) return;
    int c = row / (R * S), r = row / S % R, t = row % S;
    __global const float *xc = x + ((size_t)(n0 + i) * C + c) * H * W;
    __global float *out = col + ((size_t)i * C * R * S + row) * P * Q;
    for (int p = 0; p < P; p++) {
        int h = p * sh - pt + r * dlh;
        bool inside = h >= 0 && h < H;
        for (int q = 0; q < Q; q++) {
            int v = q * sw - pl + t * dlw;
            out[p * Q + q] = inside && v >= 0 && v < W ? xc[h * W + v] : 0.0f;
        }
    }
}

__kernel void conv2d_col2im(__global float *dx, __global const float *dcol, int n0, CONV_DIMS) {
    int h = get_global_id(0), c = get_global_id(1), i = get_global_id(2);
    if (h >= H || c >= C || n0 + i >= N) return;
    __global const float *dc = dcol + (size_t)i * C * R * S * P * Q;
    __global float *out = dx + (((size_t)(n0 + i) * C + c) * H + h) * W;
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
        out[v] = acc;
    }
}

__kernel void conv2d_flip_weights(__global float *wf, __global const float *w, int C, int K, int R, int S, int G,
                                  int r0, int sh, int RA, int t0, int sw, int SB) {
    int jt = get_global_id(0), kk = get_global_id(1), c = get_global_id(2);
    int CG = C / G, KG = K / G;
    if (jt >= RA * SB || kk >= KG || c >= C) return;
    int j = jt / SB, i = jt % SB, g = c / CG;
    int r = r0 + sh * (RA - 1 - j), t = t0 + sw * (SB - 1 - i);
    wf[(((size_t)c * KG + kk) * RA + j) * SB + i] = w[(((size_t)(g * KG + kk) * CG + c % CG) * R + r) * S + t];
}

__kernel void conv2d_phase_gather(__global float *dx, __global const float *ph, int N, int C, int H, int W, int R,
                                  int S, int sh, int sw, int pt, int pl, int HS, int WS) {
    int h = get_global_id(0), c = get_global_id(1), n = get_global_id(2);
    if (h >= H || c >= C || n >= N) return;
    int a = h % sh;
    bool rows = (a + pt) % sh < R;
    size_t plane = (size_t)N * C * HS * WS;
    __global const float *src = ph + a * sw * plane + ((size_t)n * C + c) * HS * WS + (size_t)(h / sh) * WS;
    __global float *out = dx + (((size_t)n * C + c) * H + h) * W;
    for (int b = 0; b < sw; b++, src += plane) { /* column phase b: v = b, b + sw, ... */
        bool taps = rows && (b + pl) % sw < S;
        for (int vq = 0; vq * sw + b < W; vq++) out[vq * sw + b] = taps ? src[vq] : 0.0f;
    }
}

__kernel void conv2d_sum_images(__global float *dw, __global const float *part, int nb, int len, int accumulate) {
    int i = get_global_id(0);
    if (i >= len) return;
    float acc = accumulate ? dw[i] : 0.0f;
    for (int b = 0; b < nb; b++) acc += part[(size_t)b * len + i];
    dw[i] = acc;
}
