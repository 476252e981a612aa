/*
 * act16_probe.cl, for Act16StoreTest only: kernels/act16.clh's stores, each width against the one-value store.
 *
 *   act16_store_probe (1)  y[at + i] = x[i] for i in [0, n): with width 16, STORE16 over the whole 16-value pieces,
 *                          then STORE8, then STORE1 for the rest; width 8 starts at STORE8; width 1 is STORE1 only.
 *                          at (any value) makes the pieces' addresses misaligned on purpose.
 */
#include "act16.clh"

__kernel void act16_store_probe(__global ACT_T *y, __global const float *x, int n, int at, int width) {
    __global ACT_T *out = y + at;
    int i = 0;
    if (width >= 16) {
        for (; i + 16 <= n; i += 16) STORE16(vload16(0, x + i), 0, out + i);
    }
    if (width >= 8) {
        for (; i + 8 <= n; i += 8) STORE8(vload8(0, x + i), 0, out + i);
    }
    for (; i < n; i++) STORE1(x[i], out, i);
}
