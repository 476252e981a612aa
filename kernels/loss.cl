/*
 * loss.cl: softmax + cross-entropy, mean over the batch (PyTorch's F.cross_entropy); twin in
 * reference/LossReference.java. logits is (N, K) row-major, labels (N) holds class indices as floats.
 *
 *   loss_softmax_xent_rows  (N)  one work-item per row: m = the first largest logit l[b], r = sum over j != b of
 *                                exp(l - m), rows[i] = log1p(r) + (m - l[label]) (log1p: a confident, correct
 *                                row's loss is r, kept to full precision), rows[N + i] = 1 if the first largest is
 *                                at the label else 0, and when HAS_GRAD dlogits = (exp(l - m)/s - onehot)/N.
 *                                A label outside [0, K) or not an integer makes that row's loss (and gradient) NaN,
 *                                and so does a logit of +inf (log-softmax's inf - inf, as PyTorch).
 *   loss_softmax_xent_rows_group (L*N)  the same, one work-group of L items per row (the GPU family's: a GPU's
 *                                items then read and write neighbouring logits): LANES (64) lanes, lane j taking
 *                                columns j, j + LANES, ... in order; the first largest and the sum r merged by a
 *                                fixed tree over the lanes in __local memory, so the bits do not depend on L.
 *   loss_softmax_xent_sum   (1)  result = {sum of rows[0..N) / N, sum of rows[N..2N)}: one work-item adds in
 *                                row order, so the loss is bitwise deterministic.
 *
 * Storage, -DACT (issue 15): logits and dlogits in float (0), half (1) or bfloat16 (2) (act16.clh), as PyTorch's
 * autocast runs cross-entropy: every operation in float on the stored (rounded) logits, the loss and count in
 * float, the gradient rounded once on its store. Labels, rows and result stay float.
 * Defines: HAS_GRAD (0/1), ACT.
 */
#include "act16.clh"

#ifndef HAS_GRAD
#define HAS_GRAD 1
#endif

__kernel void loss_softmax_xent_rows(__global float *rows, __global ACT_T *dlogits, __global const ACT_T *logits,
                                     __global const float *labels, int N, int K) {
    int i = get_global_id(0);
    if (i >= N) return;
    __global const ACT_T *l = logits + (size_t)i * K;
    float label = labels[i];
    int ok = label >= 0.0f && label < (float)K && label == floor(label);
    int y = ok ? (int)label : 0;
    float m = -INFINITY;
    int best = 0;
    for (int j = 0; j < K; j++) {
        float v = LOAD1(l, j);
        if (v > m) {
            m = v;
            best = j;
        }
    }
    float r = 0.0f;
    for (int j = 0; j < K; j++) r += j == best ? 0.0f : exp(LOAD1(l, j) - m);
    if (m == INFINITY) r = NAN; /* exp(inf - inf) at the largest, which r leaves out: NaN, as the reference's sum */
    float s = 1.0f + r;
    rows[i] = ok ? log1p(r) + (m - LOAD1(l, y)) : NAN;
    rows[N + i] = ok && best == y ? 1.0f : 0.0f;
#if HAS_GRAD
    __global ACT_T *d = dlogits + (size_t)i * K;
    float inv = 1.0f / s, scale = 1.0f / (float)N;
    for (int j = 0; j < K; j++) STORE1(ok ? (exp(LOAD1(l, j) - m) * inv - (j == y ? 1.0f : 0.0f)) * scale : NAN, d, j);
#endif
}

#define LANES 64

/* Lane j's first largest logit among columns j, j + LANES, ...: (m, idx); idx = K when none is above -inf. */
inline void lane_max(__global const ACT_T *l, int j, int K, float *m, int *idx) {
    *m = -INFINITY;
    *idx = K;
    for (int c = j; c < K; c += LANES) {
        float v = LOAD1(l, c);
        if (v > *m) {
            *m = v;
            *idx = c;
        }
    }
}

/* One work-group per row (group id = row), any local size L: items take lanes t, t + L, ... */
__kernel void loss_softmax_xent_rows_group(__global float *rows, __global ACT_T *dlogits,
                                           __global const ACT_T *logits, __global const float *labels, int N, int K) {
    __local float lm[LANES], lr[LANES];
    __local int li[LANES];
    int t = get_local_id(0), L = get_local_size(0), i = get_group_id(0);
    __global const ACT_T *l = logits + (size_t)i * K;
    for (int j = t; j < LANES; j += L) {
        float m;
        int idx;
        lane_max(l, j, K, &m, &idx); /* private out-parameters: OpenCL C 1.2 has no generic address space */
        lm[j] = m;
        li[j] = idx;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LANES / 2; s > 0; s /= 2) { /* the larger, or the lower column among equals: the first largest */
        for (int j = t; j < s; j += L) {
            if (lm[j + s] > lm[j] || (lm[j + s] == lm[j] && li[j + s] < li[j])) {
                lm[j] = lm[j + s];
                li[j] = li[j + s];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float m = lm[0];
    int best = li[0] == K ? 0 : li[0]; /* none above -inf: column 0, as the one-item kernel */
    for (int j = t; j < LANES; j += L) {
        float r = 0.0f;
        for (int c = j; c < K; c += LANES) r += c == best ? 0.0f : exp(LOAD1(l, c) - m);
        lr[j] = r;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LANES / 2; s > 0; s /= 2) {
        for (int j = t; j < s; j += L) lr[j] += lr[j + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = m == INFINITY ? NAN : lr[0], label = labels[i];
    int ok = label >= 0.0f && label < (float)K && label == floor(label);
    int y = ok ? (int)label : 0;
    if (t == 0) {
        rows[i] = ok ? log1p(r) + (m - LOAD1(l, y)) : NAN;
        rows[N + i] = ok && best == y ? 1.0f : 0.0f;
    }
#if HAS_GRAD
    __global ACT_T *d = dlogits + (size_t)i * K;
    float inv = 1.0f / (1.0f + r), scale = 1.0f / (float)N;
    for (int c = t; c < K; c += L) {
        STORE1(ok ? (exp(LOAD1(l, c) - m) * inv - (c == y ? 1.0f : 0.0f)) * scale : NAN, d, c);
    }
#endif
}

__kernel void loss_softmax_xent_sum(__global float *result, __global const float *rows, int N) {
    if (get_global_id(0) != 0) return;
    float loss = 0.0f, correct = 0.0f;
    for (int i = 0; i < N; i++) {
        loss += rows[i];
        correct += rows[N + i];
    }
    result[0] = loss / (float)N;
    result[1] = correct;
}
