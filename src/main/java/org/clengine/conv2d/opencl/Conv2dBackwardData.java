package org.clengine.conv2d.opencl;

import static org.clengine.conv2d.Conv2dKernel.BWD_DATA_DIRECT;
import static org.clengine.conv2d.Conv2dKernel.COL2IM;
import static org.clengine.conv2d.Conv2dKernel.FLIP_WEIGHTS;
import static org.clengine.conv2d.Conv2dKernel.PHASE_GATHER;

import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.DType;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.opencl.MatmulOpenCl;

/**
 * Backward-data. With stride 1: the forward convolution of dy with the flipped, transposed filter (row kernels or
 * GEMM); with a larger stride (no dilation) one such forward per phase of dx (h mod sh, v mod sw), interleaved;
 * otherwise on the GEMM path dcol = Wᵀ·dy then col2im, else the direct kernel.
 */
final class Conv2dBackwardData {
    private final Conv2dDevice cl;
    private final Conv2dForward forward;
    private final MatmulOpenCl matmul;

    Conv2dBackwardData(Conv2dDevice cl, Conv2dForward forward, MatmulOpenCl matmul) {
        this.cl = cl;
        this.forward = forward;
        this.matmul = matmul;
    }

    void run(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer w, Conv2dShape s) {
        boolean rows = cl.rows(s), gemm = cl.gemm(s);
        Conv2dShape asForward = s.backwardDataAsForward();
        if ((rows || gemm) && asForward != null && (rows || cl.gemm(asForward))) {
            DeviceBuffer wf = flipped(s);
            flip(wf, w, s, 0, 1, s.r(), 0, 1, s.s());
            forward.forStride1(rows, dx, dy, wf, asForward, 0);
            return;
        }
        if ((rows || gemm) && phases(dx, dy, w, s, rows)) return;
        if (gemm) {
            col2im(dx, dy, w, s);
        } else {
            cl.launch(BWD_DATA_DIRECT, "", new long[] {(long) s.h() * s.w(), s.c(), s.n()},
                    Conv2dDevice.dims(dx, dy, w, s));
        }
    }

    /** dcol = Wᵀ·dy per chunk and group (into dx itself for pointwise convolutions), then col2im. */
    private void col2im(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer w, Conv2dShape s) {
        int g = s.groups(), kg = s.k() / g, cg = s.c() / g, crsG = cg * s.r() * s.s(), pq = s.p() * s.q();
        boolean direct = Conv2dDevice.pointwise(s);
        MatmulOpenCl.PackedA[] filters = forward.packFilters(w, g, kg, pq, crsG, true);
        for (int[] chunk : cl.chunks(s, 0, s.n())) {
            DeviceBuffer out = direct ? dx : cl.scratch("conv2d.col", Conv2dDevice.colFloats(s, chunk[1]));
            for (int grp = 0; grp < g; grp++) {
                MatmulShape shape = new MatmulShape(chunk[1], crsG, pq, kg, true, false);
                int offC = direct ? (chunk[0] * s.c() + grp * cg) * pq : grp * crsG * pq;
                int strideC = direct ? s.c() * pq : s.c() * s.r() * s.s() * pq;
                MatmulLayout layout = new MatmulLayout(grp * kg * crsG, crsG, 0, (chunk[0] * s.k() + grp * kg) * pq,
                        pq, s.k() * pq, offC, pq, strideC);
                // dcol stays fp32 for col2im's sums; a pointwise GEMM writes dx itself, in its dtype
                matmul.run(out, w, dy, null, shape, layout, MatmulParams.DEFAULT, filters[grp],
                        cl.types(direct ? cl.dtype : DType.F32));
            }
            if (!direct) {
                cl.launch(COL2IM, "", new long[] {s.h(), s.c(), chunk[1]}, Conv2dDevice.dims(dx, out, chunk[0], s));
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
        DeviceBuffer out = cl.scratch("conv2d.phases", plan.plane() * p.strideH() * p.strideW());
        DeviceBuffer wf = flipped(s);
        for (Conv2dPhases.Phase ph : plan.phases()) {
            flip(wf, w, s, ph.r0(), p.strideH(), ph.ra(), ph.t0(), p.strideW(), ph.sb());
            forward.forStride1(byRows, out, dy, wf, ph.sub(), (int) ((ph.a() * p.strideW() + ph.b()) * plan.plane()));
        }
        cl.launch(PHASE_GATHER, "", new long[] {s.h(), s.c(), s.n()}, dx, out, s.n(), s.c(), s.h(), s.w(), s.r(),
                s.s(), p.strideH(), p.strideW(), p.padTop(), p.padLeft(), plan.hs(), plan.ws());
        return true;
    }

    /** Scratch for a flipped filter: as many floats as w. */
    private DeviceBuffer flipped(Conv2dShape s) {
        return cl.scratch("conv2d.flipped", (long) s.k() * s.c() / s.groups() * s.r() * s.s());
    }

    /** wf = the taps r0, r0 + sh, … (ra of them; columns alike) of w, flipped, transposed per group. */
    private void flip(DeviceBuffer wf, DeviceBuffer w, Conv2dShape s, int r0, int sh, int ra, int t0, int sw,
            int sb) {
        cl.launch(FLIP_WEIGHTS, "", new long[] {(long) ra * sb, s.k() / s.groups(), s.c()}, wf, w, s.c(), s.k(),
                s.r(), s.s(), s.groups(), r0, sh, ra, t0, sw, sb);
    }
}
