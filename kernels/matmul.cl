/*
 * matmul.cl: C = epilogue(alpha*op(A)*op(B) + beta*C), fp32, row major, strided batches.
 *
 * Dimension letters: C is M x N, op(A) is M x K, op(B) is K x N. Stored A is M x K (K x M when transposed), read
 * at a[a_off + batch*a_stride + row*lda + col]; likewise B and C. beta == 0 never reads C. The epilogue adds
 * bias[m] (EPI bit 1) or bias[n] (bit 2), then applies ReLU v < 0 ? 0 : v (bit 4; keeps NaN).
 *
 * Kernels:
 *   matmul_plain   (N, M, batch)  one work-item per C element; K summed in order with fma. The reference's twin,
 *                                 and the fastest choice for problems too small to pay for packing.
 *   matmul_pack_a  (M/MR, K/PACK_K, batch)  op(A) -> ap: panel p holds rows [p*MR, p*MR+MR) k-major,
 *                                 ap[batch*ap_stride + p*MR*K + k*MR + r]; rows past M are zeros.
 *   matmul_pack_b  (N/NR, K/PACK_K, batch)  op(B) columns [col0, N) -> bp: panel q holds NR columns k-major,
 *                                 bp[batch*bp_stride + q*K*NR + k*NR + j]; columns past N are zeros.
 *   matmul_packed  (M tiles, N tiles, batch)  the fast kernel. Work-item (i, j) owns a macro tile of mc rows by
 *                                 nc columns of C and walks K in blocks of kc; in a block it runs the MR x NR
 *                                 register tile over each (row panel, column panel) pair, column panels outer.
 *                                 B panel q < full_panels is read at b + b_off + batch*b_stride + q*b_panel +
 *                                 k*b_row: packed (b = bp, b_panel = K*NR, b_row = NR) or, when B is not
 *                                 transposed, in place (b = B, b_panel = NR, b_row = ldb); later panels (the
 *                                 columns no full in-place panel covers) come packed from bt. Rows and columns past the
 *                                 matrix are computed on the zero padding and masked only when C is written, so
 *                                 the K loop has no conditions. C is written once per K block: the first block
 *                                 applies beta, later ones add, the last applies the epilogue.
 * Launch: matmul_packed's tile index runs in dimension 0 over M, so work-items that share one B panel run back
 * to back (PoCL runs dimension 0 fastest); on CPUs local size 1, on GPUs a small 2-D group.
 *
 * Defines (compile time; the register tile): MR rows (default 8), VW vector width 4/8/16 (16), NV vectors per row
 * (2), so NR = VW*NV columns; PACK_K k values per pack work-item (64). mc, nc, kc are arguments.
 *
 * Storage dtypes (docs/half-precision-gemm-conv.md), each 0 = fp32, 1 = fp16 (IEEE half), 2 = bf16 (the upper 16
 * bits of an fp32): IN_DT for A and B (default 0), C_DT for C (0), PB_DT for matmul_packed's b (0: packed panels;
 * IN_DT when B is read in place). 16-bit values are widened as they are loaded (vload_half, or the bits shifted
 * into an fp32's upper half), so every sum is fp32 as in the fp32 build; the pack kernels write fp32 panels.
 * A 16-bit C is rounded once, to nearest even (NaN stays NaN, overflow gives Inf), so the host runs one K block.
 * Bias is always fp32.
 */
#ifndef MR
#define MR 8
#endif
#ifndef VW
#define VW 16
#endif
#ifndef NV
#define NV 2
#endif
#ifndef PACK_K
#define PACK_K 64
#endif
#define NR (VW * NV)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)

#ifndef IN_DT
#define IN_DT 0
#endif
#ifndef C_DT
#define C_DT 0
#endif
#ifndef PB_DT
#define PB_DT 0
#endif
#define DT_0 float
#define DT_1 half
#define DT_2 ushort
#define DTYPE(d) CAT(DT_, d)
#define IT DTYPE(IN_DT)
#define CT DTYPE(C_DT)
#define PBT DTYPE(PB_DT)
/* act16.clh's rounding for C, the only operand these kernels narrow: bf16_1/8/16 (fp32 -> bf16, nearest even, NaN
 * kept quiet) when C is bf16 */
#define ACT C_DT
#include "act16.clh"

/* LD: element i widened to fp32; VLD: VW-wide vector v (elements v*n ... v*n+n-1); ST: x rounded into element i. */
#define LD_0(p, i) ((p)[i])
#define LD_1(p, i) vload_half(i, p)
#define LD_2(p, i) as_float((uint)(p)[i] << 16)
#define LD(d, p, i) CAT(LD_, d)(p, i)
#define VLD_0(n, v, p) CAT(vload, n)(v, p)
#define VLD_1(n, v, p) CAT(vload_half, n)(v, p)
#define VLD_2(n, v, p) CAT(as_float, n)(CAT(convert_uint, n)(CAT(vload, n)(v, p)) << 16)
#define VLD(d, n, v, p) CAT(VLD_, d)(n, v, p)
#define ST_0(x, i, p) ((p)[i] = (x))
#define ST_1(x, i, p) vstore_half_rte(x, i, p)
#define ST_2(x, i, p) ((p)[i] = bf16_1(x))
#define ST(d, x, i, p) CAT(ST_, d)(x, i, p)


#define EPI_BIAS_ROW 1
#define EPI_BIAS_COL 2
#define EPI_RELU 4

inline float epilogue1(float v, __global const float *bias, int epi, int m, int n) {
    if (epi & EPI_BIAS_ROW) v += bias[m];
    if (epi & EPI_BIAS_COL) v += bias[n];
    if (epi & EPI_RELU) v = v < 0.0f ? 0.0f : v;
    return v;
}

__kernel void matmul_plain(__global CT *c, __global const IT *a, __global const IT *b,
                           __global const float *bias, int M, int N, int K,
                           int a_off, int lda, int a_stride, int ta, int b_off, int ldb, int b_stride, int tb,
                           int c_off, int ldc, int c_stride, float alpha, float beta, int epi) {
    int n = get_global_id(0), m = get_global_id(1), batch = get_global_id(2);
    if (n >= N || m >= M) return;
    __global const IT *pa = a + a_off + (size_t)batch * a_stride + (ta ? m : (size_t)m * lda);
    __global const IT *pb = b + b_off + (size_t)batch * b_stride + (tb ? (size_t)n * ldb : n);
    size_t sa = ta ? lda : 1, sb = tb ? 1 : ldb;
    float acc = 0.0f;
    for (int k = 0; k < K; k++) acc = fma(LD(IN_DT, pa, k * sa), LD(IN_DT, pb, k * sb), acc);
    __global CT *pc = c + c_off + (size_t)batch * c_stride + (size_t)m * ldc + n;
    float v = alpha * acc;
    if (beta != 0.0f) v = fma(beta, LD(C_DT, pc, 0), v);
    ST(C_DT, epilogue1(v, bias, epi, m, n), 0, pc);
}

/* dst[k*w + r] = src[r*ld + k] for r < w, k < 16: a w x 16 block written k-major, 8 rows at a time, then singles. */
inline void transpose16(__global float *dst, int w, __global const IT *src, size_t ld) {
    int r0 = 0;
    for (; r0 + 8 <= w; r0 += 8) {
        float t[8][16];
#pragma unroll
        for (int i = 0; i < 8; i++) vstore16(VLD(IN_DT, 16, 0, src + (r0 + i) * ld), 0, t[i]);
#pragma unroll
        for (int k = 0; k < 16; k++) {
            float8 col = (float8)(t[0][k], t[1][k], t[2][k], t[3][k], t[4][k], t[5][k], t[6][k], t[7][k]);
            vstore8(col, 0, dst + k * w + r0);
        }
    }
    for (; r0 < w; r0++) {
        float t[16];
        vstore16(VLD(IN_DT, 16, 0, src + r0 * ld), 0, t);
#pragma unroll
        for (int k = 0; k < 16; k++) dst[k * w + r0] = t[k];
    }
}

/* The general case (partial panels, the last k < 16): element by element, zeros past the matrix. */
inline void pack_slow(__global float *dst, int w, __global const IT *src, size_t ld, int trans,
                      int rows, int k0, int kend) {
    for (int k = k0; k < kend; k++)
        for (int r = 0; r < w; r++)
            dst[(size_t)k * w + r] = r >= rows ? 0.0f : trans ? LD(IN_DT, src, (size_t)k * ld + r) : LD(IN_DT, src, r * ld + k);
}

/* One panel of w rows (of op(A), or columns of op(B)) over k in [k0, kend); src points at row 0, k 0. In the
 * "rows" orientation (trans = 0) panel row r, term k is src[r*ld + k]; otherwise src[k*ld + r]. */
inline void pack_panel(__global float *dst, int w, __global const IT *src, size_t ld, int trans,
                       int rows, int k0, int kend) {
    int k = k0;
    if (rows == w && trans) {
        for (; k < kend; k++) {
            int r = 0;
            for (; r + 8 <= w; r += 8) vstore8(VLD(IN_DT, 8, 0, src + (size_t)k * ld + r), 0, dst + (size_t)k * w + r);
            for (; r < w; r++) dst[(size_t)k * w + r] = LD(IN_DT, src, (size_t)k * ld + r);
        }
    } else if (rows == w) {
        for (; k + 16 <= kend; k += 16) transpose16(dst + (size_t)k * w, w, src + k, ld);
    }
    pack_slow(dst, w, src, ld, trans, rows, k, kend);
}

__kernel void matmul_pack_a(__global float *ap, __global const IT *a, int M, int K,
                            int a_off, int lda, int a_stride, int ta, long ap_stride) {
    int p = get_global_id(0), k0 = get_global_id(1) * PACK_K, batch = get_global_id(2);
    if (p * MR >= M || k0 >= K) return;
    __global const IT *src = a + a_off + (size_t)batch * a_stride + (ta ? p * MR : (size_t)p * MR * lda);
    pack_panel(ap + batch * ap_stride + (size_t)p * MR * K, MR, src, lda, ta, min(MR, M - p * MR), k0,
               min(K, k0 + PACK_K));
}

/* B's panels are columns of op(B): "rows" orientation when B is stored transposed (N x K). */
__kernel void matmul_pack_b(__global float *bp, __global const IT *b, int N, int K,
                            int b_off, int ldb, int b_stride, int tb, int col0, long bp_stride) {
    int q = get_global_id(0), k0 = get_global_id(1) * PACK_K, batch = get_global_id(2);
    int n0 = col0 + q * NR;
    if (n0 >= N || k0 >= K) return;
    __global const IT *src = b + b_off + (size_t)batch * b_stride + (tb ? (size_t)n0 * ldb : n0);
    pack_panel(bp + batch * bp_stride + (size_t)q * NR * K, NR, src, ldb, !tb, min(NR, N - n0), k0,
               min(K, k0 + PACK_K));
}

#if C_DT == 0
#define VST_C(x, v, p) VSTORE(x, v, p)
#elif C_DT == 1
#define VST_C(x, v, p) CAT(CAT(vstore_half, VW), _rte)(x, v, p)
#elif VW == 4
/* bf16 rounds as vectors (integer ops in every lane: a lane-by-lane loop through a private array cost the bf16 GEMM
 * 7% of its time at 576x3136x64); act16.clh has no 4-lane form, so four lanes ride in an 8-lane one */
#define VST_C(x, v, p) vstore4(bf16_8((float8)(x, x)).lo, v, p)
#else
#define VST_C(x, v, p) CAT(vstore, VW)(CAT(bf16_, VW)(x), v, p)
#endif

/* Writes one MR x NR tile of C: first K block (beta), later blocks (add), last block (epilogue); edges masked. */
inline void store_tile(VEC acc[MR][NV], __global CT *c, int ldc, int m0, int n0, int rows, int cols,
                       int first, int last, float alpha, float beta, __global const float *bias, int epi) {
    if (rows == MR && cols == NR) {
#pragma unroll
        for (int r = 0; r < MR; r++) {
            __global CT *row = c + (size_t)(m0 + r) * ldc + n0;
#pragma unroll
            for (int v = 0; v < NV; v++) {
                VEC x = alpha * acc[r][v];
                if (!first) x += VLD(C_DT, VW, v, row);
                else if (beta != 0.0f) x = fma((VEC)(beta), VLD(C_DT, VW, v, row), x);
                if (last && epi) {
                    if (epi & EPI_BIAS_ROW) x += bias[m0 + r];
                    if (epi & EPI_BIAS_COL) x += VLOAD(v, bias + n0);
                    if (epi & EPI_RELU) x = select(x, (VEC)(0.0f), x < (VEC)(0.0f));
                }
                VST_C(x, v, row);
            }
        }
        return;
    }
    for (int r = 0; r < rows; r++) {
        float t[NR];
#pragma unroll
        for (int v = 0; v < NV; v++) VSTORE(acc[r][v], v, t);
        __global CT *row = c + (size_t)(m0 + r) * ldc + n0;
        for (int j = 0; j < cols; j++) {
            float x = alpha * t[j];
            if (!first) x += LD(C_DT, row, j);
            else if (beta != 0.0f) x = fma(beta, LD(C_DT, row, j), x);
            ST(C_DT, last ? epilogue1(x, bias, epi, m0 + r, n0 + j) : x, j, row);
        }
    }
}

/* A_IN_PLACE (the DIRECT_AB path): matmul_packed reads op(A) where it lies instead of from packed panels, so a small
 * GEMM is one launch, not two (on PoCL each enqueue costs about as much as a 256^3 GEMM's packing). Element (r, k)
 * of a row panel is ak[ro[r]] with ak advancing by A_KS per k: packed, ro[r] = r and A_KS = MR; in place,
 * ro[r] = r*a_rs (rows past M repeat the last row, whose results are masked) and A_KS = a_ks. */
#ifndef A_IN_PLACE
#define A_IN_PLACE 0
#endif
#if A_IN_PLACE
#define PAT IT
#define A_AT(ak, r) LD(IN_DT, ak, ro[r])
#define A_KS a_ks
#else
#define PAT float
#define A_AT(ak, r) ((ak)[r])
#define A_KS MR
#endif

/* One k of the register tile: MR broadcasts of A against NV vectors of B. */
inline void packed_step(VEC acc[MR][NV], __global const PAT *ak, const int ro[MR], VEC bv[NV]) {
#pragma unroll
    for (int r = 0; r < MR; r++) {
        VEC ar = (VEC)(A_AT(ak, r));
#pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = fma(ar, bv[v], acc[r][v]);
    }
}

/* k in [k0, kend) of one (row panel, column panel) pair; B at bk with `row` elements per k. Pointers walk K so
 * each load is a constant offset from one register. Two loops: fp32 panels (packed, or B read in place in an fp32
 * build) and a 16-bit B read in place, widened as it is loaded. */
inline void packed_panel(VEC acc[MR][NV], __global const PAT *ak, const int ro[MR], int a_ks,
                         __global const float *bkf, __global const PBT *bkh, int row, int kn) {
    if (bkf) {
        for (int k = 0; k < kn; k++, ak += A_KS, bkf += row) {
            VEC bv[NV];
#pragma unroll
            for (int v = 0; v < NV; v++) bv[v] = VLOAD(v, bkf);
            packed_step(acc, ak, ro, bv);
        }
    } else {
        for (int k = 0; k < kn; k++, ak += A_KS, bkh += row) {
            VEC bv[NV];
#pragma unroll
            for (int v = 0; v < NV; v++) bv[v] = VLD(PB_DT, VW, v, bkh);
            packed_step(acc, ak, ro, bv);
        }
    }
}

/* ap: packed A (ap_stride floats per batch), or with A_IN_PLACE op(A) itself: element (m, k) of a batch at
 * ap[a_off + batch*ap_stride + m*a_rs + k*a_ks] (a_rs, a_ks: lda and 1, or 1 and lda when A is transposed). */
__kernel void matmul_packed(__global CT *c, __global const PAT *ap, __global const PBT *b,
                            __global const float *bt, __global const float *bias, int M, int N, int K,
                            int c_off, int ldc, int c_stride, long ap_stride,
                            long b_off, long b_stride, long b_panel, int b_row, int full_panels, long bt_stride,
                            int mc, int nc, int kc, float alpha, float beta, int epi, long a_off, int a_rs, int a_ks) {
    int batch = get_global_id(2);
    int p0 = get_global_id(0) * (mc / MR), q0 = get_global_id(1) * (nc / NR);
    int p1 = min(p0 + mc / MR, (M + MR - 1) / MR), q1 = min(q0 + nc / NR, (N + NR - 1) / NR);
    __global const PAT *a_batch = ap + (A_IN_PLACE ? a_off : 0) + batch * ap_stride;
    __global CT *c_batch = c + c_off + (size_t)batch * c_stride;
    for (int k0 = 0; k0 < K; k0 += kc) {
        int kend = min(K, k0 + kc);
        for (int q = q0; q < q1; q++) {
            __global const PBT *bq = b + b_off + batch * b_stride + q * b_panel;
            __global const float *bf = PB_DT == 0 ? (__global const float *)bq : 0;
            int row = b_row;
            if (q >= full_panels) {
                bf = bt + batch * bt_stride + (size_t)(q - full_panels) * K * NR;
                row = NR;
            }
            for (int p = p0; p < p1; p++) {
                int ro[MR];
#if A_IN_PLACE
                __global const PAT *pa = a_batch + (size_t)p * MR * a_rs;
#pragma unroll
                for (int r = 0; r < MR; r++) ro[r] = min(r, M - 1 - p * MR) * a_rs;
#else
                __global const PAT *pa = a_batch + (size_t)p * MR * K;
#pragma unroll
                for (int r = 0; r < MR; r++) ro[r] = r;
#endif
                VEC acc[MR][NV];
#pragma unroll
                for (int r = 0; r < MR; r++)
#pragma unroll
                    for (int v = 0; v < NV; v++) acc[r][v] = (VEC)(0.0f);
                packed_panel(acc, pa + (size_t)k0 * A_KS, ro, a_ks, bf ? bf + (size_t)k0 * row : 0,
                             bq + (size_t)k0 * row, row, kend - k0);
                store_tile(acc, c_batch, ldc, p * MR, q * NR, min(MR, M - p * MR), min(NR, N - q * NR),
                           k0 == 0, kend == K, alpha, beta, bias, epi);
            }
        }
    }
}

/*
 * matmul_tiled: the GPU family's GEMM (CLBlast's design: a work-group tile of C staged through __local tiles of A
 * and B over K blocks, each work-item owning a small register tile). Same arguments and results as matmul_plain
 * (bit for bit: each C element is one fma chain over k in order), launched (N/NWG*NDIMC, M/MWG*MDIMC, batch) in
 * groups of NDIMC x MDIMC x 1. Work-item (lx, ly) of the group at (n0, m0) owns rows m0 + ly + i*MDIMC (i < MWI)
 * and the VWN-wide column vectors n0 + (j*NDIMC + lx)*VWN (j < NVI), so neighbouring work-items read neighbouring
 * local words and write neighbouring columns of C. Tiles are loaded along the operand's contiguous dimension
 * (coalesced; vloads of VWM/VWN where the whole vector lies inside op(A)/op(B)), zeros past M, N and K; the last K
 * block stops at K, so the padding never enters a sum. Rows of the local tiles are padded by PAD floats: the
 * transposing stores (A not transposed, B transposed) then fall in different banks.
 *
 * Defines (all -D tunables): MWG x NWG the group's tile of C, KWG the K block, MDIMC x NDIMC the group (dimension 1
 * x dimension 0), VWM (1/2/4/8) the vector width of A's loads along M, VWN (1/2/4/8) that of B's loads and of the
 * register tile along N, PAD the local rows' padding. MWG % MDIMC == 0, NWG % (NDIMC*VWN) == 0, MWG % VWM == 0.
 */
#ifndef MWG
#define MWG 32
#endif
#ifndef NWG
#define NWG 32
#endif
#ifndef KWG
#define KWG 32
#endif
#ifndef MDIMC
#define MDIMC 8
#endif
#ifndef NDIMC
#define NDIMC 16
#endif
#ifndef VWM
#define VWM 4
#endif
#ifndef VWN
#define VWN 2
#endif
#ifndef PAD
#define PAD 1
#endif
#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define NVI (NWI / VWN)
#define THREADS (MDIMC * NDIMC)
#define ALD (MWG + PAD)
#define BLD (NWG + PAD)
#if VWM == 1
#define VLOADM(p) (*(p))
#define VSTOREM(x, p) (*(p) = (x))
#else
#define VLOADM(p) CAT(vload, VWM)(0, p)
#define VSTOREM(x, p) CAT(vstore, VWM)(x, 0, p)
#endif
#if VWN == 1
#define VLOADN(p) (*(p))
#define VSTOREN(x, p) (*(p) = (x))
#else
#define VLOADN(p) CAT(vload, VWN)(0, p)
#define VSTOREN(x, p) CAT(vstore, VWN)(x, 0, p)
#endif
/* global loads of A and B, widened to fp32 as they go into the local tiles */
#if VWM == 1
#define GLOADM(p) LD(IN_DT, p, 0)
#else
#define GLOADM(p) VLD(IN_DT, VWM, 0, p)
#endif
#if VWN == 1
#define GLOADN(p) LD(IN_DT, p, 0)
#else
#define GLOADN(p) VLD(IN_DT, VWN, 0, p)
#endif

/* One operand's KWG x W tile at (row r0 of op(X), k0) into xl[k*ld + r]. `along_rows`: the stored operand is
 * contiguous along op(X)'s rows (x[k*ldx + r]; loaded in vectors of V), else along k (x[r*ldx + k]). */
#define LOAD_TILE(NAME, W, V, VLOADV, VSTOREV)                                                                 \
inline void NAME(__local float *xl, __global const IT *x, int ldx,    int along_rows, int r0, int rows,        \
                 int k0, int K, int t) {                                                                       \
    if (along_rows) {                                                                                          \
        for (int e = t; e < KWG * (W / V); e += THREADS) {                                                     \
            int r = (e % (W / V)) * V, k = e / (W / V), gk = k0 + k;                                           \
            __local float *dst = xl + k * (W + PAD) + r;                                                       \
            if (gk < K && r0 + r + V <= rows) {                                                                \
                VSTOREV(VLOADV(x + (size_t)gk * ldx + r0 + r), dst);                                           \
            } else {                                                                                           \
                for (int v = 0; v < V; v++)                                                                    \
                    dst[v] = gk < K && r0 + r + v < rows ? LD(IN_DT, x, (size_t)gk * ldx + r0 + r + v) : 0.0f;\
            }                                                                                                  \
        }                                                                                                      \
    } else {                                                                                                   \
        for (int e = t; e < KWG * W; e += THREADS) {                                                           \
            int k = e % KWG, r = e / KWG, gk = k0 + k, gr = r0 + r;                                            \
            xl[k * (W + PAD) + r] = gk < K && gr < rows ? LD(IN_DT, x, (size_t)gr * ldx + gk) : 0.0f;         \
        }                                                                                                      \
    }                                                                                                          \
}
LOAD_TILE(tiled_load_a, MWG, VWM, GLOADM, VSTOREM)
LOAD_TILE(tiled_load_b, NWG, VWN, GLOADN, VSTOREN)

/* One k of the register tile: MWI values of A and NWI of B from the local tiles, MWI x NWI fmas. */
inline void tiled_step(float acc[MWI][NWI], __local const float *al, __local const float *bl, int lx, int ly) {
    float ar[MWI], br[NWI];
#pragma unroll
    for (int i = 0; i < MWI; i++) ar[i] = al[ly + i * MDIMC];
#pragma unroll
    for (int j = 0; j < NVI; j++) VSTOREN(VLOADN(bl + (j * NDIMC + lx) * VWN), br + j * VWN);
#pragma unroll
    for (int i = 0; i < MWI; i++)
#pragma unroll
        for (int j = 0; j < NWI; j++) acc[i][j] = fma(ar[i], br[j], acc[i][j]);
}

__kernel void matmul_tiled(__global CT *c, __global const IT *a, __global const IT *b,
                           __global const float *bias, int M, int N, int K,
                           int a_off, int lda, int a_stride, int ta, int b_off, int ldb, int b_stride, int tb,
                           int c_off, int ldc, int c_stride, float alpha, float beta, int epi) {
    __local float al[KWG * ALD];
    __local float bl[KWG * BLD];
    int lx = get_local_id(0), ly = get_local_id(1), t = ly * NDIMC + lx;
    int n0 = get_group_id(0) * NWG, m0 = get_group_id(1) * MWG, batch = get_group_id(2);
    __global const IT *pa = a + a_off + (size_t)batch * a_stride;
    __global const IT *pb = b + b_off + (size_t)batch * b_stride;
    float acc[MWI][NWI];
#pragma unroll
    for (int i = 0; i < MWI; i++)
#pragma unroll
        for (int j = 0; j < NWI; j++) acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += KWG) {
        /* op(A) rows are stored contiguously when A is transposed; op(B) columns when B is not */
        tiled_load_a(al, pa, lda, ta, m0, M, k0, K, t);
        tiled_load_b(bl, pb, ldb, !tb, n0, N, k0, K, t);
        barrier(CLK_LOCAL_MEM_FENCE);
        int kn = min(KWG, K - k0);
        if (kn == KWG) {
#pragma unroll
            for (int k = 0; k < KWG; k++) tiled_step(acc, al + k * ALD, bl + k * BLD, lx, ly);
        } else {
            for (int k = 0; k < kn; k++) tiled_step(acc, al + k * ALD, bl + k * BLD, lx, ly);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    __global CT *pc = c + c_off + (size_t)batch * c_stride;
#pragma unroll
    for (int i = 0; i < MWI; i++) {
        int m = m0 + ly + i * MDIMC;
        if (m >= M) continue;
#pragma unroll
        for (int j = 0; j < NWI; j++) {
            int n = n0 + ((j / VWN) * NDIMC + lx) * VWN + j % VWN;
            if (n >= N) continue;
            __global CT *out = pc + (size_t)m * ldc + n;
            float v = alpha * acc[i][j];
            if (beta != 0.0f) v = fma(beta, LD(C_DT, out, 0), v);
            ST(C_DT, epilogue1(v, bias, epi, m, n), 0, out);
        }
    }
}
