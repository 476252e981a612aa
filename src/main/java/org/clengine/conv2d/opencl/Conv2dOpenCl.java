package org.clengine.conv2d.opencl;

import org.clengine.conv2d.Conv2dPath;
import org.clengine.device.ClTensor;
import org.clengine.matmul.opencl.MatmulOpenCl;
import static org.clengine.conv2d.opencl.Conv2dKernel.*;

import org.clengine.conv2d.Conv2dShape;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.core.Tensor;

/**
 * The device path of convolution. The GEMM path turns each group of a chunk of images into one batched GEMM
 * (matmul.cl), or for small P·Q into one GEMM whose columns run over the chunk's images: forward y = W·col;
 * backward-data, with stride 1, the forward convolution of dy with the flipped, transposed filter; with a larger
 * stride (no dilation) one such forward per phase of dx (h mod sh, v mod sw), interleaved; otherwise dcol = Wᵀ·dy
 * then col2im; backward-weights dy·colᵀ by a dot-product kernel reading both along P·Q (or, for small P·Q, one GEMM
 * per chunk of images whose K runs over images and positions). col is im2col's matrix, or x itself for 1×1
 * convolutions with stride 1 and no padding. Depthwise and other shapes too thin for GEMM take the row kernels (16
 * outputs along a row per step; backward-data as their forward on dy, by phases when strided), or the direct kernels
 * where the taps do not fit those. Arguments are checked by the caller.
 */
final class Conv2dOpenCl {
    /**
     * im2col's matrix is made for as many images at a time as fit in this many floats (8 MiB; at least one image):
     * small enough that the GEMM reads it from the cache im2col wrote it to. Side by side on 2026-11-22 the forward
     * ran 1.18–1.36× faster on the 56², 28² and strided 3×3 layers than with 64 MiB; 4 MiB ran 0.91–0.97× as fast
     * as 8 MiB there, 1.22× on the 14² layer. Pointwise convolutions read x itself in one piece.
     */
    private static final long COL_FLOATS = 2L << 20;

    /**
     * Backward-weights reads dy and col in place with conv2d_bwd_weights_dot from this many output positions per
     * image; below it (a few 16-wide steps per image, the lanes' final sums weigh more) it takes one GEMM per chunk
     * of images (weightsWide). Side by side in one JVM (min of 21, 2026-11-22): at 7² × 512 channels the wide GEMM
     * 23.9 ms, the dot kernel 47.6, the per-image GEMMs it replaced 44.3; at 14² × 256: 24.3, 35.3, 29.0; at 16² the
     * wide GEMM and the dot kernel even (medians 13.5 and 13.2 ms), at 28² within 8%; at 56² the dot kernel 1.2×
     * faster (3×3) and 2× (1×1, x read in place).
     */
    private static final int DOT_MIN_PQ = 256;

    /**
     * The forward (and backward-data through it) runs one GEMM per chunk of images, N = images · P·Q (forwardWide),
     * below this many output positions per image; from it on, batched GEMMs with N = P·Q. Both forms in one JVM,
     * alternating (min / median of 15, 2026-11-22): forward 41.1 → 33.4 ms (medians) at 7² × 512 3×3, 15.6 → 11.6
     * at 7² 1×1 2048 → 512, 31.2 → 29.3 at 14² × 256; backward-data 52.0 → 43.1, 25.2 → 16.3, 35.4 → 32.6. At 16² and
     * 28² the wide form gained nothing. Results are bitwise the same either way.
     */
    private static final int WIDE_MAX_PQ = 256;

    /**
     * conv2d_bwd_weights_dot takes as many images at a time as keep the operand it streams (the one with fewer rows)
     * within this many floats (1 MiB, a core's L2 here).
     */
    private static final long DOT_FLOATS = 256L << 10;

    /** The depthwise backward-weights' per-image products are summed from scratch of at most this many floats. */
    private static final long PARTIAL_FLOATS = 16L << 20;

    private final Device device;
    private final MatmulOpenCl matmul;
    private Conv2dPath forced = Conv2dPath.AUTO;

    Conv2dOpenCl(Device device, MatmulOpenCl matmul) {
        this.device = device;
        this.matmul = matmul;
    }

    void force(Conv2dPath path) {
        forced = path;
    }

    /** GEMM when each group's GEMM has some size on both sides; depthwise-like shapes stay direct. */
    boolean gemm(Conv2dShape s) {
        if (forced != Conv2dPath.AUTO) return forced == Conv2dPath.GEMM;
        return s.k() / s.groups() >= 8 && (long) s.c() / s.groups() * s.r() * s.s() >= 8;
    }

    void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape s) {
        forward(y, x, w, bias, s, 0, s.n());
    }

    /**
     * The 16-wide row kernels (conv2d_*_depthwise) for what GEMM does not take (or every shape, forced), when the
     * taps fit them: at most 25, and 16 outputs' inputs along a row within the kernels' 64-float segment.
     */
    boolean rows(Conv2dShape s) {
        if (forced == Conv2dPath.DIRECT || gemm(s)) return false;
        return s.r() * s.s() <= 25 && 15 * s.params().strideW() + (s.s() - 1) * s.params().dilationW() + 1 <= 64;
    }

    /** Images n0 … n0+nb−1 only. */
    void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape s, int n0, int nb) {
        if (rows(s)) {
            forwardRows(buf(y), buf(x), buf(w), buf(bias), s, n0, nb, 0);
            return;
        }
        if (!gemm(s)) {
            launch(FWD_DIRECT, forwardOptions(bias != null, s), new long[] {(long) s.p() * s.q(), s.k(), nb}, dims(buf(y), buf(x), buf(w),
                    buf(bias), n0, s));
            return;
        }
        forwardGemm(buf(y), buf(x), buf(w), bias, s, n0, nb, 0);
    }

    /**
     * Per chunk of images: im2col (unless pointwise), then one batched GEMM per group, bias and ReLU fused; below
     * WIDE_MAX_PQ positions, forwardWide's one GEMM per group for the chunk.
     */
    private void forwardGemm(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, Tensor bias, Conv2dShape s, int n0,
            int nb, int yOff) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), pq = s.p() * s.q();
        MatmulParams params = MatmulParams.DEFAULT.withBias(bias == null ? MatmulBias.NONE : MatmulBias.PER_ROW)
                .withRelu(s.params().relu());
        boolean wide = wideForward(s);
        int per = colImages(s);
        MatmulOpenCl.PackedA[] filters = packFilters(w, g, kg, wide ? Math.min(nb, per) * pq : pq, crsG, false);
        for (int[] chunk : wide ? chunks(n0, nb, per) : chunks(s, n0, nb)) {
            // for one image the wide layouts are the ordinary ones: the wide form would only add the copy back
            if (wide && chunk[1] > 1) {
                forwardWide(y, x, w, bias, s, chunk[0], chunk[1], yOff, params, filters);
                continue;
            }
            Operand b = columns(s, x, chunk[0], chunk[1]);
            for (int grp = 0; grp < g; grp++) {
                MatmulShape shape = new MatmulShape(chunk[1], kg, pq, crsG, false, false);
                MatmulLayout layout = new MatmulLayout(grp * kg * crsG, crsG, 0,
                        b.offset() + grp * b.groupStride(), pq, b.imageStride(),
                        yOff + (chunk[0] * s.k() + grp * kg) * pq, pq, s.k() * pq);
                matmul.run(y, w, b.buffer(), groupBias(bias, grp, kg, g), shape, layout, params, filters[grp]);
            }
        }
    }

    /**
     * One chunk as one GEMM per group whose N runs over the chunk's images and positions: col and the output laid
     * out as [row][image][pq] (conv2d_im2col_wide), the output then moved to y's [image][k][pq] (conv2d_images_narrow).
     */
    private void forwardWide(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, Tensor bias, Conv2dShape s, int n0,
            int nb, int yOff, MatmulParams params, MatmulOpenCl.PackedA[] filters) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), span = nb * s.p() * s.q();
        DeviceBuffer col = wideColumns(s, x, n0, nb);
        DeviceBuffer out = device.scratch("conv2d.y", (long) s.k() * span * Float.BYTES);
        for (int grp = 0; grp < g; grp++) {
            MatmulShape shape = new MatmulShape(1, kg, span, crsG, false, false);
            MatmulLayout layout = new MatmulLayout(grp * kg * crsG, crsG, 0, grp * crsG * span, span, 0,
                    grp * kg * span, span, 0);
            matmul.run(out, w, col, groupBias(bias, grp, kg, g), shape, layout, params, filters[grp]);
        }
        launch(IMAGES_NARROW, "", new long[] {s.k(), nb}, new Object[] {y, out, n0, nb, s.k(), s.p() * s.q(), yOff});
    }

    /**
     * Each group's filter (rows grp·kg … of the kg × crsG matrices in w, transposed for backward-data) packed once
     * for every chunk of images; the GEMMs' A. {@code n}: the GEMMs' N, which decides whether they pack at all.
     */
    private MatmulOpenCl.PackedA[] packFilters(DeviceBuffer w, int g, int kg, int n, int crsG, boolean transposed) {
        MatmulOpenCl.PackedA[] packed = new MatmulOpenCl.PackedA[g];
        for (int grp = 0; grp < g; grp++) {
            MatmulShape shape = transposed ? new MatmulShape(1, crsG, n, kg, true, false)
                    : new MatmulShape(1, kg, n, crsG, false, false);
            packed[grp] = matmul.packA(w, shape, new MatmulLayout(grp * kg * crsG, crsG, 0, 0, n, 0, 0, n, 0), grp);
        }
        return packed;
    }

    private static boolean wideForward(Conv2dShape s) {
        return (long) s.p() * s.q() < WIDE_MAX_PQ;
    }

    /** A stride-1 forward for backward-data: the row kernels or GEMM, as the backward's own shape goes. */
    private void forwardFor(boolean rows, DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, Conv2dShape s, int yOff) {
        if (rows) forwardRows(y, x, w, null, s, 0, s.n(), yOff);
        else forwardGemm(y, x, w, null, s, 0, s.n(), yOff);
    }

    private void forwardRows(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Conv2dShape s, int n0,
            int nb, int yOff) {
        launch(FWD_DEPTHWISE, forwardOptions(bias != null, s) + " " + taps(s), new long[] {s.p(), s.k(), nb}, dims(y, x, w, bias, yOff, n0, s));
    }

    /**
     * Stride 1: the forward convolution of dy with the flipped, transposed filter; strided: by phases; otherwise
     * (GEMM path) dcol = Wᵀ·dy then col2im, or (others) the direct kernel.
     */
    void backwardData(Tensor dx, Tensor dy, Tensor w, Conv2dShape s) {
        boolean rows = rows(s), gemm = gemm(s);
        Conv2dShape asForward = s.backwardDataAsForward();
        if ((rows || gemm) && asForward != null && (rows || gemm(asForward))) {
            DeviceBuffer wf = device.scratch("conv2d.flipped", (long) s.k() * s.c() / s.groups() * s.r() * s.s()
                    * Float.BYTES);
            flip(wf, buf(w), s, 0, 1, s.r(), 0, 1, s.s());
            forwardFor(rows, buf(dx), buf(dy), wf, asForward, 0);
            return;
        }
        if ((rows || gemm) && phases(buf(dx), buf(dy), buf(w), s, rows)) return;
        if (gemm) {
            col2im(buf(dx), buf(dy), buf(w), s);
        } else {
            launch(BWD_DATA_DIRECT, "", new long[] {(long) s.h() * s.w(), s.c(), s.n()},
                    dims(buf(dx), buf(dy), buf(w), s));
        }
    }

    /** dcol = Wᵀ·dy per chunk and group (into dx itself for pointwise convolutions), then col2im. */
    private void col2im(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer w, Conv2dShape s) {
        int g = s.groups(), kg = s.k() / g, cg = s.c() / g, crsG = cg * s.r() * s.s(), pq = s.p() * s.q();
        boolean direct = pointwise(s);
        MatmulOpenCl.PackedA[] filters = packFilters(w, g, kg, pq, crsG, true);
        for (int[] chunk : chunks(s, 0, s.n())) {
            DeviceBuffer out = direct ? dx : device.scratch("conv2d.col", colFloats(s, chunk[1]) * Float.BYTES);
            for (int grp = 0; grp < g; grp++) {
                MatmulShape shape = new MatmulShape(chunk[1], crsG, pq, kg, true, false);
                int offC = direct ? (chunk[0] * s.c() + grp * cg) * pq : grp * crsG * pq;
                int strideC = direct ? s.c() * pq : s.c() * s.r() * s.s() * pq;
                MatmulLayout layout = new MatmulLayout(grp * kg * crsG, crsG, 0, (chunk[0] * s.k() + grp * kg) * pq,
                        pq, s.k() * pq, offC, pq, strideC);
                matmul.run(out, w, dy, null, shape, layout, MatmulParams.DEFAULT, filters[grp]);
            }
            if (!direct) {
                launch(COL2IM, "", new long[] {s.h(), s.c(), chunk[1]}, dims(dx, out, chunk[0], s));
            }
        }
    }

    /**
     * Stride > 1: each phase of dx (Conv2dPhases) through the forward GEMM path (or the row kernels) into scratch,
     * then conv2d_phase_gather interleaves them into dx. False (nothing enqueued) when there is no plan.
     */
    private boolean phases(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer w, Conv2dShape s, boolean byRows) {
        Conv2dPhases plan = Conv2dPhases.of(s);
        if (plan == null) return false;
        var p = s.params();
        DeviceBuffer out = device.scratch("conv2d.phases", plan.plane() * p.strideH() * p.strideW() * Float.BYTES);
        DeviceBuffer wf = device.scratch("conv2d.flipped", (long) s.k() * s.c() / s.groups() * s.r() * s.s()
                * Float.BYTES);
        for (Conv2dPhases.Phase ph : plan.phases()) {
            flip(wf, w, s, ph.r0(), p.strideH(), ph.ra(), ph.t0(), p.strideW(), ph.sb());
            forwardFor(byRows, out, dy, wf, ph.sub(), (int) ((ph.a() * p.strideW() + ph.b()) * plan.plane()));
        }
        launch(PHASE_GATHER, "", new long[] {s.h(), s.c(), s.n()}, new Object[] {dx, out, s.n(), s.c(), s.h(),
            s.w(), s.r(), s.s(), p.strideH(), p.strideW(), p.padTop(), p.padLeft(), plan.hs(), plan.ws()});
        return true;
    }

    /** wf = the taps r0, r0 + sh, … (ra of them; columns alike) of w, flipped, transposed per group. */
    private void flip(DeviceBuffer wf, DeviceBuffer w, Conv2dShape s, int r0, int sh, int ra, int t0, int sw,
            int sb) {
        launch(FLIP_WEIGHTS, "", new long[] {(long) ra * sb, s.k() / s.groups(), s.c()}, new Object[] {wf, w, s.c(),
            s.k(), s.r(), s.s(), s.groups(), r0, sh, ra, t0, sw, sb});
    }

    /** The forward kernels' build options: bias and fused ReLU. */
    private static String forwardOptions(boolean bias, Conv2dShape s) {
        return "-DHAS_BIAS=" + (bias ? 1 : 0) + " -DRELU=" + (s.params().relu() ? 1 : 0);
    }

    /** The row kernels' build options: the filter size compiled in. */
    private static String taps(Conv2dShape s) {
        return "-DKR=" + s.r() + " -DKS=" + s.s();
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    void backwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dShape s) {
        int len = s.k() * s.c() / s.groups() * s.r() * s.s();
        if (rows(s) && (long) s.n() * len <= PARTIAL_FLOATS) {
            // per image into scratch, then added in image order
            DeviceBuffer part = device.scratch("conv2d.dw", (long) s.n() * len * Float.BYTES);
            launch(BWD_WEIGHTS_DEPTHWISE, taps(s), new long[] {len / (s.r() * s.s()), s.n()}, dims(part, buf(dy),
                    buf(x), s));
            launch(SUM_IMAGES, "", new long[] {len}, new Object[] {buf(dw), part, s.n(), len, 0});
        } else if (!gemm(s)) {
            launch(BWD_WEIGHTS_DIRECT, "", new long[] {(long) s.r() * s.s(), s.c() / s.groups(), s.k()},
                    dims(buf(dw), buf(dy), buf(x), s));
        } else {
            if ((long) s.p() * s.q() >= DOT_MIN_PQ) weightsDot(buf(dw), buf(dy), buf(x), s);
            else weightsWide(buf(dw), buf(dy), buf(x), s);
        }
        if (dbias != null) {
            launch(BWD_BIAS, "", new long[] {s.k()}, new Object[] {buf(dbias), buf(dy), s.n(), s.k(), s.p() * s.q()});
        }
    }

    /**
     * dW = DY·COLᵀ as one GEMM per chunk of images (batched over groups) whose K runs over the chunk's images and
     * positions: conv2d_im2col_wide and conv2d_images_wide lay col and dy out as [row][image][pq]; later chunks add
     * to dW (beta 1), so dW is summed in one fixed order.
     */
    private void weightsWide(DeviceBuffer dw, DeviceBuffer dy, DeviceBuffer x, Conv2dShape s) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), pq = s.p() * s.q();
        boolean first = true;
        for (int[] chunk : chunks(0, s.n(), colImages(s))) {
            int nb = chunk[1], span = nb * pq;
            DeviceBuffer col = wideColumns(s, x, chunk[0], nb);
            DeviceBuffer dyw = device.scratch("conv2d.dy", (long) s.k() * span * Float.BYTES);
            launch(IMAGES_WIDE, "", new long[] {s.k(), nb}, new Object[] {dyw, dy, chunk[0], nb, s.k(), pq});
            MatmulShape shape = new MatmulShape(g, kg, crsG, span, false, true);
            MatmulLayout layout = new MatmulLayout(0, span, kg * span, 0, span, crsG * span, 0, crsG, kg * crsG);
            matmul.run(dw, dyw, col, null, shape, layout, MatmulParams.of(1, first ? 0 : 1), null);
            first = false;
        }
    }

    /**
     * dW = Σ over images of dy[n]·col[n]ᵀ by conv2d_bwd_weights_dot, chunk by chunk (later chunks add): both
     * operands are read along P·Q, where they are contiguous, so nothing is packed or transposed.
     */
    private void weightsDot(DeviceBuffer dw, DeviceBuffer dy, DeviceBuffer x, Conv2dShape s) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), pq = s.p() * s.q();
        int per = Math.min(pointwise(s) ? s.n() : colImages(s),
                fit(DOT_FLOATS, (long) Math.min(s.k(), crsG * g) * pq));
        boolean first = true;
        for (int[] chunk : chunks(0, s.n(), per)) {
            Operand col = columns(s, x, chunk[0], chunk[1]);
            boolean nFirst = kg > crsG; // hold the larger operand's rows, stream the smaller one
            long mt = ceilDiv(kg, 4), nt = ceilDiv(crsG, 4); // the kernel's TM x TN tile, 4 x 4 by default
            launch(BWD_WEIGHTS_DOT, "", new long[] {nFirst ? nt : mt, nFirst ? mt : nt, g}, new Object[] {dw, dy,
                col.buffer(), chunk[0], chunk[1], s.k(), kg, crsG, pq, col.offset(), col.imageStride(),
                col.groupStride(), first ? 0 : 1, nFirst ? 1 : 0});
            first = false;
        }
    }

    /** Where a chunk's col matrix lies: image i's group g starts at offset + i·imageStride + g·groupStride. */
    private record Operand(DeviceBuffer buffer, int offset, int imageStride, int groupStride) {
    }

    /** im2col of images n0 … n0+nb−1 into scratch; for pointwise convolutions x itself. */
    private Operand columns(Conv2dShape s, DeviceBuffer x, int n0, int nb) {
        int pq = s.p() * s.q(), rs = s.r() * s.s(), cg = s.c() / s.groups();
        if (pointwise(s)) return new Operand(x, n0 * s.c() * pq, s.c() * pq, cg * pq);
        DeviceBuffer col = device.scratch("conv2d.col", colFloats(s, nb) * Float.BYTES);
        launch(IM2COL, "", new long[] {(long) s.c() * rs, nb}, dims(col, x, n0, s));
        return new Operand(col, 0, s.c() * rs * pq, cg * rs * pq);
    }

    /** im2col of images n0 … n0+nb−1 into scratch as one matrix whose rows run over the images: [row][image][pq]. */
    private DeviceBuffer wideColumns(Conv2dShape s, DeviceBuffer x, int n0, int nb) {
        DeviceBuffer col = device.scratch("conv2d.col", colFloats(s, nb) * Float.BYTES);
        launch(IM2COL_WIDE, "", new long[] {(long) s.c() * s.r() * s.s(), nb}, dims(col, x, n0, nb, s));
        return col;
    }

    /** 1×1, stride 1, no padding: the input already is the col matrix. */
    private static boolean pointwise(Conv2dShape s) {
        var p = s.params();
        return s.r() == 1 && s.s() == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padTop() == 0
                && p.padBottom() == 0 && p.padLeft() == 0 && p.padRight() == 0;
    }

    private static long colFloats(Conv2dShape s, int images) {
        return (long) images * s.c() * s.r() * s.s() * s.p() * s.q();
    }

    /**
     * {n0, nb} pieces of images n0 … n0+nb−1 whose col matrix fits COL_FLOATS (at least one image each); one piece
     * for pointwise convolutions, which make no col matrix.
     */
    private static java.util.List<int[]> chunks(Conv2dShape s, int n0, int nb) {
        return chunks(n0, nb, pointwise(s) ? nb : colImages(s));
    }

    /** Images whose col matrix fits COL_FLOATS, at least one. */
    private static int colImages(Conv2dShape s) {
        return fit(COL_FLOATS, colFloats(s, 1));
    }

    /** How many images of {@code perImage} floats fit {@code cap} floats, at least one. */
    private static int fit(long cap, long perImage) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, cap / Math.max(1, perImage)));
    }

    /** {n0, nb} pieces of images n0 … n0+nb−1, {@code per} images each (the last fewer). */
    private static java.util.List<int[]> chunks(int n0, int nb, int per) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < nb; i += per) out.add(new int[] {n0 + i, Math.min(per, nb - i)});
        return out;
    }

    /** The bias slice of one group, copied to scratch (the GEMM epilogue reads its bias from offset 0). */
    private DeviceBuffer groupBias(Tensor bias, int grp, int kg, int groups) {
        if (bias == null || groups == 1) return buf(bias);
        DeviceBuffer slice = device.scratch("conv2d.bias", (long) kg * Float.BYTES); // in-order queue: reuse is safe
        device.copy(slice, 0, buf(bias), (long) grp * kg * Float.BYTES, (long) kg * Float.BYTES);
        return slice;
    }

    /** The tensors, then the sizes and parameters every direct kernel takes (CONV_DIMS in conv2d.cl). */
    private static Object[] dims(Object... head) {
        Conv2dShape s = (Conv2dShape) head[head.length - 1];
        var p = s.params();
        Object[] tail = {s.n(), s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.p(), s.q(), p.strideH(), p.strideW(),
            p.padTop(), p.padLeft(), p.dilationH(), p.dilationW(), p.groups()};
        Object[] all = java.util.Arrays.copyOf(head, head.length - 1 + tail.length);
        System.arraycopy(tail, 0, all, head.length - 1, tail.length);
        return all;
    }

    /** Local size up to 64 in dimension 0 (Device.launchItems); the kernels guard the excess. */
    private void launch(Conv2dKernel k, String options, long[] items, Object[] args) {
        device.launchItems(device.kernel(k.file, k.kernelName, options), k.kernelName, items, Math.min(64, items[0]),
                args);
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
