package org.clengine.matmul.opencl;

import org.clengine.device.ClTensor;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulTuning;
import static org.clengine.batchnorm.BatchNormTuning.roundUp;
import static org.clengine.matmul.opencl.MatmulKernel.*;

import java.util.function.UnaryOperator;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.core.Tensor;

/**
 * The device path of GEMM: picks the path and geometry from the tuning, then enqueues. Arguments are checked by the
 * caller.
 */
final class MatmulOpenCl {
    /** k values per pack work-item; the kernels' PACK_K default. */
    private static final int PACK_K = 64;
    private final Device device;
    private MatmulTuning base;
    private UnaryOperator<MatmulTuning> adjust = UnaryOperator.identity();

    MatmulOpenCl(Device device) {
        this.device = device;
    }

    void adjustTuning(UnaryOperator<MatmulTuning> adjust) {
        this.adjust = adjust;
    }

    /** The stored tuning for this device and driver if there is one, else the default; then the adjustment. */
    MatmulTuning tuning() {
        if (base == null) {
            base = MatmulTuningStore.load(device.programs().directory(), device.info())
                    .orElse(MatmulTuning.forDevice(device.info()));
        }
        return adjust.apply(base);
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
    record PackedA(DeviceBuffer buffer, int m, int k, boolean transA, int mr) {
    }

    /**
     * Packs op(A) of {@code s} (A at {@code l}'s offset, whatever its stride) for {@link #run}; null when the shape
     * takes the plain path, which packs nothing.
     */
    PackedA packA(DeviceBuffer a, MatmulShape s, MatmulLayout l, int slot) {
        MatmulTuning t = tuning();
        if (t.pathFor(s) == MatmulPath.PLAIN) return null;
        DeviceBuffer ap = device.scratch("matmul.ap.kept." + slot, Float.BYTES * packedASize(t, s));
        enqueuePackA(t, ap, a, s, l, 1, 0);
        return new PackedA(ap, s.m(), s.k(), s.transA(), t.mr());
    }

    void run(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape s, MatmulLayout l, MatmulParams p) {
        run(buf(c), buf(a), buf(b), buf(bias), s, l, p, null);
    }

    /**
     * The same on raw buffers, for ops built on GEMM (convolution) whose operands are scratch; with {@code packed}
     * (from {@link #packA} for this A, or null) A is not read, and every batch uses that one packed A.
     */
    void run(DeviceBuffer c, DeviceBuffer a, DeviceBuffer b, DeviceBuffer bias, MatmulShape s, MatmulLayout l,
            MatmulParams p, PackedA packed) {
        MatmulTuning t = tuning();
        MatmulPath path = t.pathFor(s);
        if (path == MatmulPath.PLAIN) {
            plain(t, c, a, b, bias, s, l, p);
            return;
        }
        DeviceBuffer ap;
        long apStride;
        if (packed != null) {
            if (packed.m() != s.m() || packed.k() != s.k() || packed.transA() != s.transA() || packed.mr() != t.mr()) {
                throw new IllegalStateException("A was packed for m" + packed.m() + " k" + packed.k() + " mr"
                        + packed.mr() + ", not for " + s.descriptor() + " with mr" + t.mr());
            }
            ap = packed.buffer();
            apStride = 0;
        } else {
            // an A shared by every batch (stride 0) is packed once and read by all of them
            int copies = l.strideA() == 0 ? 1 : s.batch();
            apStride = copies == 1 ? 0 : packedASize(t, s);
            ap = device.scratch("matmul.ap", Float.BYTES * packedASize(t, s) * copies);
            enqueuePackA(t, ap, a, s, l, copies, apStride);
        }
        BPanels panels = bPanels(t, b, s, l, path == MatmulPath.DIRECT_B);
        int[] tile = t.macroTile(s, device.info().computeUnits());
        launch(PACKED, t, new long[] {ceil(s.m(), tile[0]), ceil(s.n(), tile[1]), s.batch()}, c, ap, panels.b(),
                panels.bt(), bias, s.m(), s.n(), s.k(), l.offC(), l.ldc(), l.strideC(), apStride, panels.off(),
                panels.stride(), panels.panel(), panels.row(), panels.full(), panels.btStride(), tile[0], tile[1],
                t.kc(), p.alpha(), p.beta(), p.epilogueFlags());
    }

    private static long packedASize(MatmulTuning t, MatmulShape s) {
        return (long) MatmulTuning.ceilDiv(s.m(), t.mr()) * t.mr() * s.k();
    }

    /** matmul_pack_a for the first {@code copies} batches of A. */
    private void enqueuePackA(MatmulTuning t, DeviceBuffer ap, DeviceBuffer a, MatmulShape s, MatmulLayout l,
            int copies, long apStride) {
        launch(PACK_A, t, new long[] {MatmulTuning.ceilDiv(s.m(), t.mr()), ceil(s.k(), PACK_K), copies}, ap, a,
                s.m(), s.k(), l.offA(), l.lda(), l.strideA(), s.transA() ? 1 : 0, apStride);
    }

    /** Packs all of B, or in place only the columns past the last full NR-wide panel. */
    private BPanels bPanels(MatmulTuning t, DeviceBuffer b, MatmulShape s, MatmulLayout l, boolean inPlace) {
        int nr = t.nr();
        int panels = MatmulTuning.ceilDiv(s.n(), nr);
        int full = inPlace ? s.n() / nr : 0;
        long packedSize = (long) (panels - full) * s.k() * nr;
        int bCopies = l.strideB() == 0 ? 1 : s.batch(); // likewise a shared B
        long packedStride = bCopies == 1 ? 0 : packedSize;
        DeviceBuffer bp = null;
        if (packedSize > 0) {
            bp = device.scratch("matmul.bp", Float.BYTES * packedSize * bCopies);
            launch(PACK_B, t, new long[] {panels - full, ceil(s.k(), PACK_K), bCopies}, bp, b,
                    s.n(), s.k(), l.offB(), l.ldb(), l.strideB(), s.transB() ? 1 : 0, full * nr, packedStride);
        }
        return inPlace
                ? new BPanels(b, l.offB(), l.strideB(), nr, l.ldb(), full, bp, packedStride)
                : new BPanels(bp, 0, packedStride, (long) s.k() * nr, nr, panels, null, 0);
    }

    /** One work-item per element of C; 16 along N per group (×8 along M on GPUs). */
    private void plain(MatmulTuning t, DeviceBuffer c, DeviceBuffer a, DeviceBuffer b, DeviceBuffer bias,
            MatmulShape s, MatmulLayout l, MatmulParams p) {
        long[] local = {16, device.info().typeName().equals("cpu") ? 1 : 8, 1};
        long[] global = {roundUp(s.n(), local[0]), roundUp(s.m(), local[1]), s.batch()};
        launch(PLAIN, t.options(), global, local,
                c, a, b, bias, s.m(), s.n(), s.k(), l.offA(), l.lda(), l.strideA(),
                s.transA() ? 1 : 0, l.offB(), l.ldb(), l.strideB(), s.transB() ? 1 : 0, l.offC(), l.ldc(),
                l.strideC(), p.alpha(), p.beta(), p.epilogueFlags());
    }

    /** Local size {@code local × local × 1} (1 on CPUs: one work-item per group), global sizes rounded up to it. */
    private void launch(MatmulKernel k, MatmulTuning t, long[] items, Object... args) {
        long[] local = {t.local(), t.local(), 1};
        long[] global = {roundUp(items[0], local[0]), roundUp(items[1], local[1]), items[2]};
        launch(k, t.options(), global, local, args);
    }

    private void launch(MatmulKernel k, String options, long[] global, long[] local, Object... args) {
        device.launch(device.kernel(FILE, k.kernelName, options), k.kernelName, global, local, args);
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
