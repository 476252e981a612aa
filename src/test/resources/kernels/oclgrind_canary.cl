/*
 * Deliberate faults, for OclgrindTest only: Oclgrind must report both before its silence about the engine's kernels
 * means anything (a check switched off by a renamed OCLGRIND_* variable would otherwise pass everything).
 *
 *   oclgrind_canary_oob_read    (n)       y[i] = x[i + 1]: work-item n-1 reads x[n], one float past its buffer.
 *   oclgrind_canary_local_race  (groups of at least 2)  each work-item writes its slot of a __local tile and reads
 *                                         its neighbour's with no barrier between: a read-write race in local memory.
 */
__kernel void oclgrind_canary_oob_read(__global float *y, __global const float *x, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] = x[i + 1];
}

__kernel void oclgrind_canary_local_race(__global float *y) {
    __local float tile[64];
    int i = get_local_id(0), size = get_local_size(0);
    tile[i] = (float)get_global_id(0);
    y[get_global_id(0)] = tile[(i + 1) % size];
}
