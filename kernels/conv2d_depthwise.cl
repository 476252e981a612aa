/*
 * conv2d_depthwise.cl: the row kernels of 2-D convolution, for depthwise layers and other shapes too thin for GEMM
 * (few input channels per group). Layouts and index formulas as conv2d.cl: x is (N, C, H, W), w is (K, C/G, R, S),
 * y is (N, K, P, Q); output row p, filter row r read input row h = p*sh - pt + r*dlh (columns alike), zero outside.
 * Each work-item handles 16 consecutive outputs along q per step as one float16; the inputs of 16 outputs of one
 * input row lie in a span of 15*sw + (S-1)*dlw + 1 floats, read with one vload16 per tap where the span lies inside
 * the row (stride 1); at a row's edge (stride 1) with one vload16 per tap whose lanes outside the row are zeroed,
 * as long as the span lies inside the buffer; else copied once per row, zero-padded, into a private segment of SEG
 * floats.
 *
 *   conv2d_fwd_depthwise          (P, K, nb)  y = [relu](bias + sum over c, r, t of x*w), images n0 ... n0+nb-1,
 *                                             written from y + y_off; summed in the order of conv2d_fwd_direct.
 *                                             Backward-data runs it on dy with flipped filters (conv2d.cl).
 *   conv2d_bwd_weights_depthwise  (K*C/G, N)  part[n][k][c][r][t] = sum over p, q of dy*x for image n: 16 columns
 *                                             per FMA, lanes past Q masked, lanes added in a fixed order;
 *                                             conv2d_sum_images then adds the images in order.
 *
 * Defines: HAS_BIAS (0/1), RELU (0/1); KR, KS: the filter's R and S, compiled in so the tap loops unroll and the
 * accumulators stay in registers; SEG (default 64, Conv2dPolicy.rowSegment): the private segment, which the span
 * must fit (the Java side checks).
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

/* 16 values along q of an input row, v = v0 + qq*sw + t*dlw for t < S in turn: seg holds the span they cover,
 * zeros past the row, so each tap reads it without bounds checks. */
#ifndef SEG
#define SEG 64
#endif
inline float16 seg_tap(const float *seg, int t, int sw, int dlw) {
    if (sw == 1) return vload16(0, seg + t * dlw);
    float tmp[16];
    for (int qq = 0; qq < 16; qq++) tmp[qq] = seg[qq * sw + t * dlw];
    return vload16(0, tmp);
}

/* Tap values v, v+1, ..., v+15 of row xr (stride 1), zero where they fall outside [0, W): one vload16 whose
 * lanes outside the row (they read the neighbouring rows) are replaced by zeros. The caller makes sure the 16
 * floats lie inside the buffer. */
inline float16 row_tap(__global const float *xr, int v, int W) {
    int16 idx = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + (int16)(v);
    return select((float16)(0.0f), vload16(0, xr + v), (idx >= (int16)(0)) & (idx < (int16)(W)));
}

/* Whether row_tap may serve a step at v0 of row xr: stride 1, and its span of floats inside x's N*C*H*W. */
inline bool row_taps_fit(__global const float *xr, __global const float *x, int v0, int span, int sw, long total) {
    long a = (long)(xr - x) + v0;
    return sw == 1 && a >= 0 && a + span <= total;
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
    long total = (long)N * C * H * W;
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
                if (row_taps_fit(xr, x, v0, span, sw, total)) { /* a row's edge: masked loads */
                    for (int t = 0; t < S; t++) acc = fma(row_tap(xr, v0 + t * dlw, W), (float16)(wc[r * S + t]), acc);
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
    long total = (long)N * C * H * W;
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
                if (row_taps_fit(xr, x, v0, span, sw, total)) { /* a row's edge: masked loads */
                    for (int t = 0; t < S; t++) {
                        acc[r * S + t] = fma(d, select((float16)(0.0f), row_tap(xr, v0 + t * dlw, W), live),
                                             acc[r * S + t]);
                    }
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

/*
 * The GPU family's forward (Conv2dDepthwise.Walk.TILES; backward-data reaches it through the forward as above):
 *
 *   conv2d_fwd_depthwise_tile  (tilesQ*TQ, tilesP*TP, K*nb) local (TQ, TP, 1): one work-group per TP x TQ tile of
 *                              output rows x columns of one channel k and image n0 + z / K. Per input channel c of
 *                              k's group the group stages the tile's input patch, PH x PW floats with
 *                              PH = (TP-1)*sh + (KR-1)*dlh + 1, PW = (TQ-1)*sw + (KS-1)*dlw + 1, in __local memory
 *                              (consecutive items load consecutive floats of a patch row), then each item sums its
 *                              output's taps from it in the order of conv2d_fwd_depthwise (c, r, t), taps outside
 *                              the input skipped. Defines TP, TQ (the tile) and PATCH >= PH*PW (the host's).
 */
#ifndef TP
#define TP 8
#endif
#ifndef TQ
#define TQ 32
#endif
#ifndef PATCH
#define PATCH 1
#endif

__kernel void conv2d_fwd_depthwise_tile(__global float *y, __global const float *x, __global const float *w,
                                        __global const float *bias, int y_off, int n0, CONV_DIMS) {
    __local float patch[PATCH];
    int tq = get_local_id(0), tp = get_local_id(1), t = tp * TQ + tq;
    int q = get_group_id(0) * TQ + tq, p = get_group_id(1) * TP + tp;
    int k = get_global_id(2) % K, n = n0 + get_global_id(2) / K;
    R = KR; /* the filter size compiled in: tap loops unrolled */
    S = KS;
    int CG = C / G, c0 = k / (K / G) * CG;
    int ph = (TP - 1) * sh + (R - 1) * dlh + 1, pw = (TQ - 1) * sw + (S - 1) * dlw + 1;
    int h0 = get_group_id(1) * TP * sh - pt, v0 = get_group_id(0) * TQ * sw - pl;
    float acc = HAS_BIAS ? bias[k] : 0.0f;
    for (int c = 0; c < CG; c++) {
        __global const float *xc = x + ((size_t)n * C + c0 + c) * H * W;
        __global const float *wc = w + ((size_t)k * CG + c) * R * S;
        for (int e = t; e < ph * pw; e += TP * TQ) {
            int h = h0 + e / pw, v = v0 + e % pw;
            patch[e] = h >= 0 && h < H && v >= 0 && v < W ? xc[h * W + v] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int r = 0; r < R; r++) {
            int h = p * sh - pt + r * dlh;
            if (h < 0 || h >= H) continue;
            for (int u = 0; u < S; u++) {
                int v = q * sw - pl + u * dlw;
                if (v >= 0 && v < W) acc = fma(patch[(tp * sh + r * dlh) * pw + tq * sw + u * dlw], wc[r * S + u], acc);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* the next channel overwrites the patch */
    }
    if (p >= P || q >= Q) return;
#if RELU
    acc = acc < 0.0f ? 0.0f : acc;
#endif
    y[y_off + (((size_t)n * K + k) * P + p) * Q + q] = acc;
}
