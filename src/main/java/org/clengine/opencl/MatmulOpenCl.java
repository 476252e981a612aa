package org.clengine.opencl;

import static org.clengine.opencl.BatchNormTuning.roundUp;
import static org.clengine.opencl.MatmulKernel.*;

import java.util.function.UnaryOperator;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.MatmulLayout;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.tensor.Tensor;

/** The device path of GEMM: picks the path and geometry from the tuning, then enqueues. Arguments are checked by the caller. */
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
        if (base == null) base = MatmulTuningStore.load(device.programs().directory(), device.info()).orElse(MatmulTuning.forDevice(device.info()));
        return adjust.apply(base);
    }

    void run(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape s, MatmulLayout l, MatmulParams p) {
        MatmulTuning t = tuning();
        MatmulPath path = t.pathFor(s);
        if (path == MatmulPath.PLAIN) {
            plain(c, a, b, bias, s, l, p);
            return;
        }
        String options = t.options();
        int mr = t.mr(), nr = t.nr();
        long apStride = (long) MatmulTuning.ceilDiv(s.m(), mr) * mr * s.k();
        DeviceBuffer ap = device.scratch("matmul.ap", Float.BYTES * apStride * s.batch());
        launch(PACK_A, options, new long[] {MatmulTuning.ceilDiv(s.m(), mr), ceil(s.k(), PACK_K), s.batch()}, null,
                ap, buf(a), s.m(), s.k(), l.offA(), l.lda(), l.strideA(), s.transA() ? 1 : 0, apStride);
        boolean direct = path == MatmulPath.DIRECT_B;
        int panels = MatmulTuning.ceilDiv(s.n(), nr);
        int full = direct ? s.n() / nr : panels;
        long packedStride = (long) (panels - full) * s.k() * nr;
        if (!direct) packedStride = (long) panels * s.k() * nr;
        DeviceBuffer bp = null;
        if (packedStride > 0) {
            bp = device.scratch("matmul.bp", Float.BYTES * packedStride * s.batch());
            int col0 = direct ? full * nr : 0;
            launch(PACK_B, options, new long[] {panels - (direct ? full : 0), ceil(s.k(), PACK_K), s.batch()}, null,
                    bp, buf(b), s.n(), s.k(), l.offB(), l.ldb(), l.strideB(), s.transB() ? 1 : 0, col0, packedStride);
        }
        int[] tile = t.macroTile(s, device.info().computeUnits());
        long[] global = {roundUp(ceil(s.m(), tile[0]), t.local()), roundUp(ceil(s.n(), tile[1]), t.local()),
                s.batch()};
        if (direct) {
            launch(PACKED, options, global, new long[] {t.local(), t.local(), 1}, buf(c), ap, buf(b), bp, buf(bias),
                    s.m(), s.n(), s.k(), l.offC(), l.ldc(), l.strideC(), apStride, (long) l.offB(),
                    (long) l.strideB(), (long) nr, l.ldb(), full, packedStride, tile[0], tile[1], t.kc(),
                    p.alpha(), p.beta(), p.epilogueFlags());
        } else {
            launch(PACKED, options, global, new long[] {t.local(), t.local(), 1}, buf(c), ap, bp, null, buf(bias),
                    s.m(), s.n(), s.k(), l.offC(), l.ldc(), l.strideC(), apStride, 0L, packedStride,
                    (long) s.k() * nr, nr, panels, 0L, tile[0], tile[1], t.kc(), p.alpha(), p.beta(),
                    p.epilogueFlags());
        }
    }

    private void plain(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape s, MatmulLayout l, MatmulParams p) {
        boolean cpu = device.info().typeName().equals("cpu");
        long[] local = {16, cpu ? 1 : 8, 1};
        launch(PLAIN, tuning().options(), new long[] {roundUp(s.n(), local[0]), roundUp(s.m(), local[1]), s.batch()}, local,
                buf(c), buf(a), buf(b), buf(bias), s.m(), s.n(), s.k(), l.offA(), l.lda(), l.strideA(),
                s.transA() ? 1 : 0, l.offB(), l.ldb(), l.strideB(), s.transB() ? 1 : 0, l.offC(), l.ldc(),
                l.strideC(), p.alpha(), p.beta(), p.epilogueFlags());
    }

    private void launch(MatmulKernel k, String options, long[] global, long[] local, Object... args) {
        if (local == null) local = new long[] {1, 1, 1};
        device.launch(device.kernel(FILE, k.kernelName, options), k.kernelName, global, local, args);
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : ((ClTensor) t).buffer();
    }
}
