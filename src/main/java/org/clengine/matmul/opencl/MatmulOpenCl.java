package org.clengine.matmul.opencl;

import static org.clengine.core.TensorChecks.ceilDiv;
import static org.clengine.core.TensorChecks.roundUp;
import static org.clengine.device.ClTensor.buffer;
import static org.clengine.matmul.MatmulKernel.PACKED;
import static org.clengine.matmul.MatmulKernel.PACK_A;
import static org.clengine.matmul.MatmulKernel.PACK_B;
import static org.clengine.matmul.MatmulKernel.PLAIN;
import static org.clengine.matmul.MatmulKernel.TILED;

import org.clengine.core.DType;
import org.clengine.core.ShapeMath;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulKernel;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulOps;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.MatmulTiling;
import org.clengine.matmul.MatmulTypes;

/**
 * The device path of GEMM: picks the path and geometry from its policy (fixed at construction), then enqueues. The
 * arguments are checked by {@link MatmulOps}; {@link #packA} and {@link #run(DeviceBuffer, DeviceBuffer,
 * DeviceBuffer, DeviceBuffer, MatmulShape, MatmulLayout, MatmulParams, PackedA)} are for ops built on GEMM
 * (convolution), which check their own arguments and call them while holding the device.
 */
public final class MatmulOpenCl extends MatmulOps {
    private final Device device;
    private final MatmulPolicy policy;

    public MatmulOpenCl(Device device, MatmulPolicy policy) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("matmul policy is null");
        this.device = device;
        this.policy = policy;
    }

    @Override
    public MatmulPolicy policy() {
        return policy;
    }

    @Override
    public MatmulOpenCl withPolicy(MatmulPolicy p) {
        return new MatmulOpenCl(device, p);
    }

    /**
     * Where matmul_packed reads B: panels {@code q < full} at {@code b + off + batch·stride + q·panel + k·row},
     * later ones packed in {@code bt} ({@code btStride} floats per batch).
     */
    private record BPanels(DeviceBuffer b, long off, long stride, long panel, int row, int full, DeviceBuffer bt,
            long btStride) {
    }

    /**
     * op(A) packed for several {@link #run} calls that all read the same A, as a convolution's filter is read by each
     * of its chunks of images. It lives in a scratch buffer of its own ({@code slot}: one per filter in use at once)
     * until the next {@link #packA} into that slot.
     */
    public record PackedA(DeviceBuffer buffer, int m, int k, boolean transA, int mr) {
    }

    /**
     * Packs op(A) of {@code s} (A at {@code l}'s offset, whatever its stride) for {@link #run}; null when the shape
     * takes the plain or the tiled path, which read A in place.
     */
    public PackedA packA(DeviceBuffer a, MatmulShape s, MatmulLayout l, int slot) {
        return packA(a, s, l, slot, MatmulTypes.F32);
    }

    /** {@link #packA(DeviceBuffer, MatmulShape, MatmulLayout, int)} of an A of {@code types.in()}: fp32 panels. */
    public PackedA packA(DeviceBuffer a, MatmulShape s, MatmulLayout l, int slot, MatmulTypes types) {
        MatmulPath path = pathFor(s, l, types);
        if (path == MatmulPath.PLAIN || path == MatmulPath.TILED) return null;
        DeviceBuffer ap = device.scratch("matmul.ap.kept." + slot, Float.BYTES * packedASize(s));
        enqueuePackA(ap, a, s, l, 1, 0, policy.options() + types.options(false));
        return new PackedA(ap, s.m(), s.k(), s.transA(), policy.mr());
    }

    @Override
    protected void gemm(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape shape, MatmulLayout layout,
            MatmulParams params) {
        run(buffer(c), buffer(a), buffer(b), buffer(bias), shape, layout, params, null,
                MatmulTypes.of(c.dtype(), a.dtype(), b.dtype()));
    }

    /**
     * The GEMM on raw buffers, unchecked, for ops built on it (convolution) whose operands are scratch; with
     * {@code packed} (from {@link #packA} for this A, or null) A is not read, and every batch uses that one packed A.
     */
    public void run(DeviceBuffer c, DeviceBuffer a, DeviceBuffer b, DeviceBuffer bias, MatmulShape s, MatmulLayout l,
            MatmulParams p, PackedA packed) {
        run(c, a, b, bias, s, l, p, packed, MatmulTypes.F32);
    }

    /**
     * {@link #run(DeviceBuffer, DeviceBuffer, DeviceBuffer, DeviceBuffer, MatmulShape, MatmulLayout, MatmulParams,
     * PackedA)} with A, B and C stored as {@code types} says. A 16-bit C takes one K block (kc = K): C is rounded
     * to 16 bits once, never between blocks.
     */
    public void run(DeviceBuffer c, DeviceBuffer a, DeviceBuffer b, DeviceBuffer bias, MatmulShape s, MatmulLayout l,
            MatmulParams p, PackedA packed, MatmulTypes types) {
        MatmulPath path = pathFor(s, l, types);
        if (path == MatmulPath.PLAIN || path == MatmulPath.TILED) {
            // a chunk below the crossovers may take another path than the one A was packed for: A is read in place
            inPlace(path == MatmulPath.TILED, c, a, b, bias, s, l, p, types);
            return;
        }
        boolean bInPlace = path == MatmulPath.DIRECT_B || path == MatmulPath.DIRECT_AB && !s.transB();
        boolean aInPlace = path == MatmulPath.DIRECT_AB && packed == null;
        String options = policy.options() + types.options(bInPlace) + (aInPlace ? " -DA_IN_PLACE=1" : "");
        DeviceBuffer ap;
        long apStride;
        if (aInPlace) {
            ap = a;
            apStride = l.strideA();
        } else if (packed != null) {
            if (packed.m() != s.m() || packed.k() != s.k() || packed.transA() != s.transA()
                    || packed.mr() != policy.mr()) {
                throw new IllegalStateException("A was packed for m" + packed.m() + " k" + packed.k() + " mr"
                        + packed.mr() + ", not for " + s.descriptor() + " with mr" + policy.mr());
            }
            ap = packed.buffer();
            apStride = 0;
        } else {
            // an A shared by every batch (stride 0) is packed once and read by all of them
            int copies = l.strideA() == 0 ? 1 : s.batch();
            apStride = copies == 1 ? 0 : packedASize(s);
            ap = device.scratch("matmul.ap", Float.BYTES * packedASize(s) * copies);
            enqueuePackA(ap, a, s, l, copies, apStride, options);
        }
        BPanels panels = bPanels(b, s, l, bInPlace, options);
        int[] tile = policy.macroTile(s, device.info().computeUnits());
        int kc = types.out() == DType.F32 ? policy.blocksFor(s).kc() : Math.max(1, s.k());
        launch(PACKED, options, new long[] {ceilDiv(s.m(), tile[0]), ceilDiv(s.n(), tile[1]), s.batch()}, c, ap,
                panels.b(), panels.bt(), bias, s.m(), s.n(), s.k(), l.offC(), l.ldc(), l.strideC(), apStride,
                panels.off(), panels.stride(), panels.panel(), panels.row(), panels.full(), panels.btStride(),
                tile[0], tile[1], kc, p.alpha(), p.beta(), p.epilogueFlags(), aInPlace ? (long) l.offA() : 0L,
                aInPlace ? (s.transA() ? 1 : l.lda()) : 0, aInPlace ? (s.transA() ? l.lda() : 1) : policy.mr());
    }

    /**
     * The policy's path, or the plain one when the packed copies would not fit a buffer the kernels index by int:
     * batches whose A or B overlap (a stride below the matrix size, which BLAS allows) pack to far more floats
     * than their tensors hold. The plain kernel reads them in place.
     */
    private MatmulPath pathFor(MatmulShape s, MatmulLayout l, MatmulTypes types) {
        MatmulPath path = policy.pathFor(s);
        if (path == MatmulPath.PLAIN || path == MatmulPath.TILED) return path;
        // an fp16 A read in place costs a vload_half per broadcast (0.69x DIRECT_B's speed at 256^3): AUTO packs it
        if (path == MatmulPath.DIRECT_AB && policy.path() == MatmulPath.AUTO && types.in() == DType.F16) {
            path = MatmulPath.DIRECT_B;
        }
        // the kernel's in-place row offsets (at most (MR-1)·lda) are ints
        if (path == MatmulPath.DIRECT_AB && (long) policy.mr() * l.lda() > Integer.MAX_VALUE) {
            path = s.transB() ? MatmulPath.PACKED : MatmulPath.DIRECT_B;
        }
        long copiesA = l.strideA() == 0 ? 1 : s.batch(), copiesB = l.strideB() == 0 ? 1 : s.batch();
        // each copy is below 2^39 floats, so comparing per copy cannot overflow
        boolean fits = packedASize(s) <= ShapeMath.MAX_ELEMENTS / copiesA
                && roundUp(s.n(), policy.nr()) * s.k() <= ShapeMath.MAX_ELEMENTS / copiesB;
        return fits ? path : MatmulPath.PLAIN;
    }

    private long packedASize(MatmulShape s) {
        return roundUp(s.m(), policy.mr()) * s.k();
    }

    /** matmul_pack_a for the first {@code copies} batches of A. */
    private void enqueuePackA(DeviceBuffer ap, DeviceBuffer a, MatmulShape s, MatmulLayout l, int copies,
            long apStride, String options) {
        launch(PACK_A, options, new long[] {ceilDiv(s.m(), policy.mr()), ceilDiv(s.k(), policy.packK()), copies},
                ap, a,
                s.m(), s.k(), l.offA(), l.lda(), l.strideA(), s.transA() ? 1 : 0, apStride);
    }

    /** Packs all of B, or in place only the columns past the last full NR-wide panel. */
    private BPanels bPanels(DeviceBuffer b, MatmulShape s, MatmulLayout l, boolean inPlace, String options) {
        int nr = policy.nr();
        int panels = (int) ceilDiv(s.n(), nr);
        int full = inPlace ? s.n() / nr : 0;
        long packedSize = (long) (panels - full) * s.k() * nr;
        int bCopies = l.strideB() == 0 ? 1 : s.batch(); // likewise a shared B
        long packedStride = bCopies == 1 ? 0 : packedSize;
        DeviceBuffer bp = null;
        if (packedSize > 0) {
            bp = device.scratch("matmul.bp", Float.BYTES * packedSize * bCopies);
            launch(PACK_B, options, new long[] {panels - full, ceilDiv(s.k(), policy.packK()), bCopies}, bp, b,
                    s.n(), s.k(), l.offB(), l.ldb(), l.strideB(), s.transB() ? 1 : 0, full * nr, packedStride);
        }
        return inPlace
                ? new BPanels(b, l.offB(), l.strideB(), nr, l.ldb(), full, bp, packedStride)
                : new BPanels(bp, 0, packedStride, (long) s.k() * nr, nr, panels, null, 0);
    }

    /**
     * The kernels that read A and B in place: matmul_plain (one work-item per element of C, in groups of the policy's
     * plain local size) or matmul_tiled (one group of NDIMC × MDIMC per NWG × MWG tile of C; its own build, which
     * leaves the other kernels' programs as they were).
     */
    private void inPlace(boolean tiled, DeviceBuffer c, DeviceBuffer a, DeviceBuffer b, DeviceBuffer bias,
            MatmulShape s, MatmulLayout l, MatmulParams p, MatmulTypes types) {
        MatmulTiling t = policy.tiling();
        long[] local = tiled ? new long[] {t.ndimc(), t.mdimc(), 1} : new long[] {policy.plainLocalN(),
            policy.plainLocalM(), 1};
        long[] global = tiled
                ? new long[] {ceilDiv(s.n(), t.nwg()) * t.ndimc(), ceilDiv(s.m(), t.mwg()) * t.mdimc(), s.batch()}
                : new long[] {roundUp(s.n(), local[0]), roundUp(s.m(), local[1]), s.batch()};
        device.launch(tiled ? TILED.binding : PLAIN.binding, (tiled ? t.options() : policy.options())
                + types.options(false), global, local,
                c, a, b, bias, s.m(), s.n(), s.k(), l.offA(), l.lda(), l.strideA(),
                s.transA() ? 1 : 0, l.offB(), l.ldb(), l.strideB(), s.transB() ? 1 : 0, l.offC(), l.ldc(),
                l.strideC(), p.alpha(), p.beta(), p.epilogueFlags());
    }

    /** Local size {@code local × local × 1} (1 on CPUs: one work-item per group), global sizes rounded up to it. */
    private void launch(MatmulKernel k, String options, long[] items, Object... args) {
        long[] local = {policy.local(), policy.local(), 1};
        long[] global = {roundUp(items[0], local[0]), roundUp(items[1], local[1]), items[2]};
        device.launch(k.binding, options, global, local, args);
    }
}
