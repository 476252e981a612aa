package org.clengine.conv2d.opencl;

import static org.clengine.device.ClTensor.buffer;

import java.util.EnumMap;
import java.util.Map;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.opencl.BatchNormOpenCl;
import org.clengine.conv2d.Conv2dOps;
import org.clengine.conv2d.Conv2dPath;
import org.clengine.conv2d.Conv2dPolicy;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.matmul.opencl.MatmulOpenCl;

/**
 * The device path of convolution, with one {@link Conv2dPolicy} fixed at creation. The GEMM path turns each group of
 * a chunk of images into one batched GEMM (matmul.cl), or for small P·Q into one GEMM whose columns run over the
 * chunk's images (Conv2dForward); backward-data goes through the forward where it can (Conv2dBackwardData);
 * backward-weights reads dy and col by a dot-product kernel or one GEMM per chunk (Conv2dBackwardWeights). col is
 * im2col's matrix, or x itself for 1×1 convolutions with stride 1 and no padding. Depthwise and other shapes too
 * thin for GEMM take the row kernels (16 outputs along a row per step), or the direct kernels where the taps do not
 * fit those. Arguments are checked by {@link Conv2dOps}.
 */
public final class Conv2dOpenCl extends Conv2dOps {
    private final Device device;
    private final Conv2dPolicy policy;
    private final MatmulOpenCl matmul;
    private final BatchNormOpenCl batchNorm;
    /** Each dtype's paths: one build of conv2d.cl (and of matmul.cl) per storage type. */
    private final Map<DType, Paths> paths = new EnumMap<>(DType.class);

    private record Paths(Conv2dForward conv, Conv2dBackwardData data, Conv2dBackwardWeights weights) {
    }

    /**
     * Convolution on {@code device} with {@code policy}, its GEMMs through {@code matmul} and the batch norm of
     * {@link #forwardBatchNormTraining} through {@code batchNorm}, both on the same device.
     */
    public Conv2dOpenCl(Device device, Conv2dPolicy policy, MatmulOpenCl matmul, BatchNormOpenCl batchNorm) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("policy is null");
        if (matmul == null || matmul.memory() != device) {
            throw new IllegalArgumentException("matmul must run on " + device.name());
        }
        if (batchNorm == null || batchNorm.memory() != device) {
            throw new IllegalArgumentException("batchNorm must run on " + device.name());
        }
        this.device = device;
        this.policy = policy;
        this.matmul = matmul;
        this.batchNorm = batchNorm;
        for (DType t : DType.values()) {
            Conv2dDevice cl = new Conv2dDevice(device, policy, t);
            Conv2dForward conv = new Conv2dForward(cl, matmul);
            paths.put(t, new Paths(conv, new Conv2dBackwardData(cl, conv, matmul),
                    new Conv2dBackwardWeights(cl, conv, matmul)));
        }
    }

    public Conv2dPolicy policy() {
        return policy;
    }

    @Override
    public boolean takes(DType dtype) {
        return dtype == DType.F32 || (dtype != null && policy.path() != Conv2dPath.DEPTHWISE);
    }

    /** Convolution on the same device, with the same matmul and batch norm, under {@code other}. */
    public Conv2dOpenCl withPolicy(Conv2dPolicy other) {
        return new Conv2dOpenCl(device, other, matmul, batchNorm);
    }

    @Override
    protected void forward(Tensor y, Tensor x, Tensor w, Tensor bias, Conv2dShape s) {
        paths.get(x.dtype()).conv().run(buffer(y), buffer(x), buffer(w), buffer(bias), s, 0, s.n(), 0);
    }

    @Override
    protected void backwardData(Tensor dx, Tensor dy, Tensor w, Conv2dShape s) {
        paths.get(dy.dtype()).data().run(buffer(dx), buffer(dy), buffer(w), s);
    }

    @Override
    protected void backwardWeights(Tensor dw, Tensor dbias, Tensor dy, Tensor x, Conv2dShape s) {
        paths.get(x.dtype()).weights().run(buffer(dw), buffer(dbias), buffer(dy), buffer(x), s);
    }

    /**
     * The convolution runs in steps of whole BN chunks of images; after each step the BN partial sums of its output
     * are taken while it is still in cache. Same partials, same merge order: bitwise the unfused result. Shapes on
     * BN's positions path (H·W < 16) or with rows cut across chunks run unfused, as does a frozen batch norm (it
     * takes no statistics), and a 16-bit convolution (the partials read an fp32 output).
     */
    @Override
    protected void forwardBatchNormTraining(Tensor x, Tensor w, Tensor bias, Conv2dShape cs, BatchNormTraining bn,
            BatchNormShape bs) {
        BatchNormOpenCl.Plan p = batchNorm.plan(bs, bn.gamma() != null, bn.config());
        if (p.positions() || p.chunk() % bs.hw() != 0 || bn.config().frozen() || x.dtype() != DType.F32) {
            forward(bn.x(), x, w, bias, cs);
            batchNorm.runForwardTraining(bn, bs);
            return;
        }
        int rows = (int) (p.chunk() / bs.hw());
        DeviceBuffer partial = batchNorm.partialScratch(p);
        DeviceBuffer out = buffer(bn.x());
        Conv2dForward conv = paths.get(DType.F32).conv();
        for (int n0 = 0; n0 < cs.n(); n0 += rows) {
            int nb = Math.min(rows, cs.n() - n0);
            conv.run(out, buffer(x), buffer(w), buffer(bias), cs, n0, nb, 0);
            batchNorm.forwardPartials(p, partial, out, n0 / rows, 1);
        }
        batchNorm.mergeAndApply(p, partial, bn);
    }
}
