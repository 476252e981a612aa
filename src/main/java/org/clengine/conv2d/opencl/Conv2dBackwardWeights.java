package org.clengine.conv2d.opencl;

import static org.clengine.conv2d.Conv2dKernel.BWD_BIAS;
import static org.clengine.conv2d.Conv2dKernel.BWD_WEIGHTS_DEPTHWISE;
import static org.clengine.conv2d.Conv2dKernel.BWD_WEIGHTS_DIRECT;
import static org.clengine.conv2d.Conv2dKernel.BWD_WEIGHTS_DOT;
import static org.clengine.conv2d.Conv2dKernel.IMAGES_WIDE;
import static org.clengine.conv2d.Conv2dKernel.SUM_IMAGES;

import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.DType;
import org.clengine.core.TensorChecks;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.opencl.MatmulOpenCl;

/**
 * Backward-weights: the row kernels per image then summed in image order; the direct kernel; on the GEMM path
 * dy·colᵀ by a dot-product kernel reading both along P·Q (from the policy's dotMinPq positions on), or for small
 * P·Q one GEMM per chunk of images whose K runs over images and positions. Every dW is summed in one fixed order.
 */
final class Conv2dBackwardWeights {
    private final Conv2dDevice cl;
    private final Conv2dForward forward;
    private final MatmulOpenCl matmul;

    Conv2dBackwardWeights(Conv2dDevice cl, Conv2dForward forward, MatmulOpenCl matmul) {
        this.cl = cl;
        this.forward = forward;
        this.matmul = matmul;
    }

    /** dw, and dbias unless null. */
    void run(DeviceBuffer dw, DeviceBuffer dbias, DeviceBuffer dy, DeviceBuffer x, Conv2dShape s) {
        int len = s.k() * (s.c() / s.groups()) * s.r() * s.s(); // dw's size: K·C may not fit an int, this does
        if (cl.rows(s) && (long) s.n() * len <= cl.policy.partialFloats()) {
            // per image into scratch, then added in image order
            DeviceBuffer part = cl.scratch("conv2d.dw", (long) s.n() * len);
            cl.launch(BWD_WEIGHTS_DEPTHWISE, cl.taps(s), new long[] {len / (s.r() * s.s()), s.n()},
                    Conv2dDevice.dims(part, dy, x, s));
            cl.launch(SUM_IMAGES, "", new long[] {len}, dw, part, s.n(), len, 0);
        } else if (!cl.gemm(s)) {
            cl.launch(BWD_WEIGHTS_DIRECT, "", new long[] {(long) s.r() * s.s(), s.c() / s.groups(), s.k()},
                    Conv2dDevice.dims(dw, dy, x, s));
        } else if ((long) s.p() * s.q() >= cl.policy.dotMinPq()) {
            dot(dw, dy, x, s);
        } else {
            wide(dw, dy, x, s);
        }
        if (dbias != null) {
            cl.launch(BWD_BIAS, "", new long[] {s.k()}, dbias, dy, s.n(), s.k(), s.p() * s.q());
        }
    }

    /**
     * dW = DY·COLᵀ as one GEMM per chunk of images (batched over groups) whose K runs over the chunk's images and
     * positions: conv2d_im2col_wide and conv2d_images_wide lay col and dy out as [row][image][pq]; later chunks add
     * to dW (beta 1), so dW is summed in one fixed order.
     */
    private void wide(DeviceBuffer dw, DeviceBuffer dy, DeviceBuffer x, Conv2dShape s) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), pq = s.p() * s.q();
        boolean first = true;
        for (int[] chunk : Conv2dDevice.chunks(0, s.n(), cl.colImages(s))) {
            int nb = chunk[1], span = nb * pq;
            DeviceBuffer col = forward.wideColumns(s, x, chunk[0], nb);
            DeviceBuffer dyw = cl.scratch("conv2d.dy", (long) s.k() * span);
            cl.launch(IMAGES_WIDE, "", new long[] {s.k(), nb}, dyw, dy, chunk[0], nb, s.k(), pq);
            MatmulShape shape = new MatmulShape(g, kg, crsG, span, false, true);
            MatmulLayout layout = new MatmulLayout(0, span, kg * span, 0, span, crsG * span, 0, crsG, kg * crsG);
            matmul.run(dw, dyw, col, null, shape, layout, MatmulParams.of(1, first ? 0 : 1), null,
                    cl.types(DType.F32));
            first = false;
        }
    }

    /**
     * dW = Σ over images of dy[n]·col[n]ᵀ by conv2d_bwd_weights_dot, chunk by chunk (later chunks add): both
     * operands are read along P·Q, where they are contiguous, so nothing is packed or transposed.
     */
    private void dot(DeviceBuffer dw, DeviceBuffer dy, DeviceBuffer x, Conv2dShape s) {
        int g = s.groups(), kg = s.k() / g, crsG = s.c() / g * s.r() * s.s(), pq = s.p() * s.q();
        int per = Math.min(Conv2dDevice.pointwise(s) ? s.n() : cl.colImages(s),
                Conv2dDevice.fit(cl.policy.dotFloats(), (long) Math.min(s.k(), crsG * g) * pq));
        boolean first = true;
        for (int[] chunk : Conv2dDevice.chunks(0, s.n(), per)) {
            Conv2dForward.Operand col = forward.columns(s, x, chunk[0], chunk[1]);
            boolean nFirst = kg > crsG; // hold the larger operand's rows, stream the smaller one
            // the kernel's TM × TN tiles of dw, TM and TN passed to it from the same policy
            long mt = TensorChecks.ceilDiv(kg, cl.policy.dotTileM()), nt = TensorChecks.ceilDiv(crsG,
                    cl.policy.dotTileN());
            cl.launch(BWD_WEIGHTS_DOT, cl.dotOptions(), new long[] {nFirst ? nt : mt, nFirst ? mt : nt, g}, dw, dy,
                    col.buffer(), chunk[0], chunk[1], s.k(), kg, crsG, pq, col.offset(), col.imageStride(),
                    col.groupStride(), first ? 0 : 1, nFirst ? 1 : 0);
            first = false;
        }
    }
}
