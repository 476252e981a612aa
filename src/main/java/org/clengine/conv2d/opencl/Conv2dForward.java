package org.clengine.conv2d.opencl;

import static org.clengine.conv2d.Conv2dKernel.FWD_DEPTHWISE;
import static org.clengine.conv2d.Conv2dKernel.FWD_DIRECT;
import static org.clengine.conv2d.Conv2dKernel.IM2COL;
import static org.clengine.conv2d.Conv2dKernel.IM2COL_WIDE;
import static org.clengine.conv2d.Conv2dKernel.IMAGES_NARROW;

import org.clengine.conv2d.Conv2dShape;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.opencl.MatmulOpenCl;

/**
 * The forward convolution on its four paths: the channel-blocked direct kernel (Conv2dBlockedForward), the row
 * kernels (16 outputs along a row per step), the direct kernel, and GEMMs (matmul.cl): per chunk of images im2col (unless pointwise), then one batched GEMM per group, N = P·Q;
 * below the policy's wideMaxPq positions one GEMM per group whose N runs over the chunk's images and positions.
 * Backward-data runs its stride-1 forwards through here too.
 */
final class Conv2dForward {
    private final Conv2dDevice cl;
    private final MatmulOpenCl matmul;
    private final Conv2dBlockedForward blocked;

    Conv2dForward(Conv2dDevice cl, MatmulOpenCl matmul) {
        this.cl = cl;
        this.matmul = matmul;
        this.blocked = new Conv2dBlockedForward(cl);
    }

    /** Images n0 … n0+nb−1 of y (from float yOff on) on the path the shape takes; bias may be null. */
    void run(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Conv2dShape s, int n0, int nb,
            int yOff) {
        if (cl.blocked(s)) {
            blocked.run(y, x, w, bias, s, n0, nb, yOff);
        } else if (cl.rows(s)) {
            rows(y, x, w, bias, s, n0, nb, yOff);
        } else if (!cl.gemm(s)) {
            if (yOff != 0) throw new IllegalStateException("the direct forward writes y from its start");
            cl.launch(FWD_DIRECT, Conv2dDevice.forwardOptions(bias != null, s),
                    new long[] {(long) s.p() * s.q(), s.k(), nb}, Conv2dDevice.dims(y, x, w, bias, n0, s));
        } else {
            gemm(y, x, w, bias, s, n0, nb, yOff);
        }
    }

    /**
     * A stride-1 forward for backward-data: the row kernels or GEMM, as the backward's own shape goes, or the
     * blocked kernel where it takes the forward shape {@code s}.
     */
    void forStride1(boolean byRows, DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, Conv2dShape s, int yOff) {
        if (cl.blocked(s)) blocked.run(y, x, w, null, s, 0, s.n(), yOff);
        else if (byRows) rows(y, x, w, null, s, 0, s.n(), yOff);
        else gemm(y, x, w, null, s, 0, s.n(), yOff);
    }

    private void rows(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Conv2dShape s, int n0,
            int nb, int yOff) {
        if (DepthwiseTiles.launch(cl, y, x, w, bias, s, n0, nb, yOff)) return;
        cl.launch(FWD_DEPTHWISE, Conv2dDevice.forwardOptions(bias != null, s) + " " + cl.taps(s),
                new long[] {s.p(), s.k(), nb}, Conv2dDevice.dims(y, x, w, bias, yOff, n0, s));
    }

    /**
     * Per chunk of images: im2col (unless pointwise), then one batched GEMM per group, bias and ReLU fused; below
     * wideMaxPq positions, {@link #wide}'s one GEMM per group for the chunk.
     */
    private void gemm(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Conv2dShape s, int n0,
            int nb, int yOff) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), pq = s.p() * s.q();
        MatmulParams params = MatmulParams.DEFAULT.withBias(bias == null ? MatmulBias.NONE : MatmulBias.PER_ROW)
                .withRelu(s.params().relu());
        boolean wide = (long) pq < cl.policy.wideMaxPq();
        int per = cl.colImages(s);
        MatmulOpenCl.PackedA[] filters = packFilters(w, g, kg, wide ? Math.min(nb, per) * pq : pq, crsG, false);
        for (int[] chunk : wide ? Conv2dDevice.chunks(n0, nb, per) : cl.chunks(s, n0, nb)) {
            // for one image the wide layouts are the ordinary ones: the wide form would only add the copy back
            if (wide && chunk[1] > 1) {
                wide(y, x, w, bias, s, chunk[0], chunk[1], yOff, params, filters);
                continue;
            }
            Operand b = columns(s, x, chunk[0], chunk[1]);
            for (int grp = 0; grp < g; grp++) {
                MatmulShape shape = new MatmulShape(chunk[1], kg, pq, crsG, false, false);
                MatmulLayout layout = new MatmulLayout(grp * kg * crsG, crsG, 0,
                        b.offset() + grp * b.groupStride(), pq, b.imageStride(),
                        yOff + (chunk[0] * s.k() + grp * kg) * pq, pq, s.k() * pq);
                matmul.run(y, w, b.buffer(), groupBias(bias, grp, kg, g), shape, layout, params, filters[grp],
                        cl.types(cl.dtype));
            }
        }
    }

    /**
     * One chunk as one GEMM per group whose N runs over the chunk's images and positions: col and the output laid
     * out as [row][image][pq] (conv2d_im2col_wide), the output then moved to y's [image][k][pq]
     * (conv2d_images_narrow).
     */
    private void wide(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Conv2dShape s, int n0,
            int nb, int yOff, MatmulParams params, MatmulOpenCl.PackedA[] filters) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), span = nb * s.p() * s.q();
        DeviceBuffer col = wideColumns(s, x, n0, nb);
        DeviceBuffer out = cl.scratch("conv2d.y", (long) s.k() * span);
        for (int grp = 0; grp < g; grp++) {
            MatmulShape shape = new MatmulShape(1, kg, span, crsG, false, false);
            MatmulLayout layout = new MatmulLayout(grp * kg * crsG, crsG, 0, grp * crsG * span, span, 0,
                    grp * kg * span, span, 0);
            matmul.run(out, w, col, groupBias(bias, grp, kg, g), shape, layout, params, filters[grp],
                    cl.types(cl.dtype));
        }
        cl.launch(IMAGES_NARROW, "", new long[] {s.k(), nb}, y, out, n0, nb, s.k(), s.p() * s.q(), yOff);
    }

    /**
     * Each group's filter (rows grp·kg … of the kg × crsG matrices in w, transposed for backward-data) packed once
     * for every chunk of images; the GEMMs' A. {@code n}: the GEMMs' N, which decides whether they pack at all.
     */
    MatmulOpenCl.PackedA[] packFilters(DeviceBuffer w, int g, int kg, int n, int crsG, boolean transposed) {
        MatmulOpenCl.PackedA[] packed = new MatmulOpenCl.PackedA[g];
        for (int grp = 0; grp < g; grp++) {
            MatmulShape shape = transposed ? new MatmulShape(1, crsG, n, kg, true, false)
                    : new MatmulShape(1, kg, n, crsG, false, false);
            packed[grp] = matmul.packA(w, shape, new MatmulLayout(grp * kg * crsG, crsG, 0, 0, n, 0, 0, n, 0), grp,
                    cl.types(cl.dtype));
        }
        return packed;
    }

    /** Where a chunk's col matrix lies: image i's group g starts at offset + i·imageStride + g·groupStride. */
    record Operand(DeviceBuffer buffer, int offset, int imageStride, int groupStride) {
    }

    /** im2col of images n0 … n0+nb−1 into scratch; for pointwise convolutions x itself. */
    Operand columns(Conv2dShape s, DeviceBuffer x, int n0, int nb) {
        int pq = s.p() * s.q(), rs = s.r() * s.s(), cg = s.c() / s.groups();
        if (Conv2dDevice.pointwise(s)) return new Operand(x, n0 * s.c() * pq, s.c() * pq, cg * pq);
        DeviceBuffer col = cl.scratch("conv2d.col", Conv2dDevice.colFloats(s, nb));
        cl.launch(IM2COL, "", new long[] {(long) s.c() * rs, nb}, Conv2dDevice.dims(col, x, n0, s));
        return new Operand(col, 0, s.c() * rs * pq, cg * rs * pq);
    }

    /** im2col of images n0 … n0+nb−1 into scratch as one matrix whose rows run over the images: [row][image][pq]. */
    DeviceBuffer wideColumns(Conv2dShape s, DeviceBuffer x, int n0, int nb) {
        DeviceBuffer col = cl.scratch("conv2d.col", Conv2dDevice.colFloats(s, nb));
        cl.launch(IM2COL_WIDE, "", new long[] {(long) s.c() * s.r() * s.s(), nb},
                Conv2dDevice.dims(col, x, n0, nb, s));
        return col;
    }

    /** The bias slice of one group, copied to scratch (the GEMM epilogue reads its bias from offset 0). */
    private DeviceBuffer groupBias(DeviceBuffer bias, int grp, int kg, int groups) {
        if (bias == null || groups == 1) return bias;
        DeviceBuffer slice = cl.scratch("conv2d.bias", kg); // in-order queue: reuse is safe
        cl.device.copy(slice, 0, bias, (long) grp * kg * Float.BYTES, (long) kg * Float.BYTES);
        return slice;
    }
}
