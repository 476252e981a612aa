/*
 * peak.cl: the device's fp32 FMA throughput, the ceiling that compute-bound benchmarks (GEMM, convolution) are
 * measured against.
 *
 *   peak_fma  (items)  each work-item runs CHAINS independent float16 chains acc = fma(acc, a, b) for `iters`
 *                      steps, then writes the sum of all its chains and lanes to out[item], so no step is dead code.
 *                      Chain c, lane l starts at item*CHAINS + c + l/16.
 *
 * FLOPs: items * iters * CHAINS * 16 lanes * 2. The chains are independent so that FMA latency (4 cycles, 2 pipes
 * on Zen4 and Skylake) is hidden: at least 8 vector FMAs must be in flight per core; 18 float16 accumulators fit
 * in 32 zmm registers (16 ymm pairs on AVX2) with room for a and b. With 0 < a < 1 the values converge to
 * b / (1 - a) and stay normal: no denormal slow path.
 * Launch: on CPUs 8 work-items per compute unit, local size 1 (PoCL's threads take work-groups as they come,
 * so a core that another process holds for a while does not hold up the launch); on GPUs many groups of 64.
 *
 * Defines: CHAINS (default 18).
 */
#ifndef CHAINS
#define CHAINS 18
#endif

__kernel void peak_fma(__global float *out, int iters, float a, float b) {
    const float16 lanes = (float16)(0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 10.0f, 11.0f,
                                    12.0f, 13.0f, 14.0f, 15.0f) / 16.0f;
    const int item = get_global_id(0);
    float16 acc[CHAINS];
#pragma unroll
    for (int c = 0; c < CHAINS; c++) acc[c] = lanes + (float)(item * CHAINS + c);
    for (int i = 0; i < iters; i++) {
#pragma unroll
        for (int c = 0; c < CHAINS; c++) acc[c] = fma(acc[c], (float16)a, (float16)b);
    }
    float16 s = acc[0];
#pragma unroll
    for (int c = 1; c < CHAINS; c++) s += acc[c];
    float t = s.s0;
    t += s.s1; t += s.s2; t += s.s3; t += s.s4; t += s.s5; t += s.s6; t += s.s7;
    t += s.s8; t += s.s9; t += s.sa; t += s.sb; t += s.sc; t += s.sd; t += s.se; t += s.sf;
    out[item] = t;
}
