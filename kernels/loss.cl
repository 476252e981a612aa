/*
 * loss.cl: softmax + cross-entropy, mean over the batch (PyTorch's F.cross_entropy); twin in
 * reference/LossReference.java. logits is (N, K) row-major, labels (N) holds class indices as floats.
 *
 *   loss_softmax_xent_rows  (N)  one work-item per row: m = the first largest logit l[b], r = sum over j != b of
 *                                exp(l - m), rows[i] = log1p(r) + (m - l[label]) (log1p: a confident, correct
 *                                row's loss is r, kept to full precision), rows[N + i] = 1 if the first largest is
 *                                at the label else 0, and when HAS_GRAD dlogits = (exp(l - m)/s - onehot)/N.
 *                                A label outside [0, K) or not an integer makes that row's loss (and gradient) NaN.
 *   loss_softmax_xent_sum   (1)  result = {sum of rows[0..N) / N, sum of rows[N..2N)}: one work-item adds in
 *                                row order, so the loss is bitwise deterministic.
 *
 * Defines: HAS_GRAD (0/1).
 */
#ifndef HAS_GRAD
#define HAS_GRAD 1
#endif

__kernel void loss_softmax_xent_rows(__global float *rows, __global float *dlogits, __global const float *logits,
                                     __global const float *labels, int N, int K) {
    int i = get_global_id(0);
    if (i >= N) return;
    __global const float *l = logits + (size_t)i * K;
    float label = labels[i];
    int ok = label >= 0.0f && label < (float)K && label == floor(label);
    int y = ok ? (int)label : 0;
    float m = -INFINITY;
    int best = 0;
    for (int j = 0; j < K; j++) {
        if (l[j] > m) {
            m = l[j];
            best = j;
        }
    }
    float r = 0.0f;
    for (int j = 0; j < K; j++) r += j == best ? 0.0f : exp(l[j] - m);
    float s = 1.0f + r;
    rows[i] = ok ? log1p(r) + (m - l[y]) : NAN;
    rows[N + i] = ok && best == y ? 1.0f : 0.0f;
#if HAS_GRAD
    __global float *d = dlogits + (size_t)i * K;
    float inv = 1.0f / s, scale = 1.0f / (float)N;
    for (int j = 0; j < K; j++) d[j] = ok ? (exp(l[j] - m) * inv - (j == y ? 1.0f : 0.0f)) * scale : NAN;
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
