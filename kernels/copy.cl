/*
 * copy.cl: the bandwidth ceiling that benchmarks compare against.
 *
 *   copy_float4  (items)  dst[i] = src[i] for float4 i in [t*span, (t+1)*span), t = work-item; n4 float4s in all.
 *
 * Reads n4*16 bytes and writes as many. The span is the host's choice (large on CPUs, small on GPUs), as in
 * batchnorm.cl's apply kernels, so the two walk memory the same way.
 */
__kernel void copy_float4(__global float4 *dst, __global const float4 *src, long n4, long span) {
    long e = get_global_id(0) * span;
    long end = min(n4, e + span);
    for (; e < end; e++) dst[e] = src[e];
}
