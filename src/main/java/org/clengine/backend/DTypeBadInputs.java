package org.clengine.backend;

import static org.clengine.core.DType.BF16;
import static org.clengine.core.DType.F16;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.core.DType;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.pooling.Pool2dParams;
import org.clengine.sgd.SgdParams;
import org.clengine.verify.BadInputCase;

/**
 * The dtype family of the bad-input suite: a 16-bit tensor where an op takes F32 only is refused before anything
 * runs, the message naming the op, the argument and its dtype, alike on both backends (the OpenCL kernels of these
 * ops read 4 bytes an element, so a 16-bit buffer would be read past its end); ops that take 16 bits refuse a mix
 * of dtypes in one call (converting silently would hide it). Also the raw 16-bit form's misuse.
 */
public final class DTypeBadInputs {
    private DTypeBadInputs() {
    }

    /** One case per op family (the first F32-only argument of one of its ops) and the raw form's cases. */
    public static List<BadInputCase<Backend>> cases() {
        return List.of(
                dtype("elementwise relu of F16 into F32", "elementwise reluForward takes its activations in one "
                        + "dtype: x is F16, y is F32", c -> c.ops().elementwise().reluForward(c.t(4), c.t(F16, 4))),
                dtype("elementwise copy of F32 into BF16", "elementwise copy takes its activations in one dtype: "
                        + "src is F32, dst is BF16", c -> c.ops().elementwise().copy(c.t(BF16, 4), c.t(4))),
                // pooling takes 16-bit activations (PoolingFamily's cases refuse each op's mixes)
                dtype("pooling max of BF16 into F32", "pooling maxForward takes its activations in one dtype: x is "
                        + "BF16, y is F32", c -> c.ops().pooling().maxForward(c.t(1, 1, 2, 2), c.t(BF16, 1, 1, 4, 4),
                                Pool2dParams.of(2))),
                // the loss takes 16-bit logits (computing in fp32, as autocast); its labels and result stay F32
                dtype("loss labels in F16", "loss softmaxCrossEntropy takes labels as F32 only, got labels [2] of "
                        + "dtype F16", c -> c.ops().loss().softmaxCrossEntropy(c.t(2), c.t(F16, 2, 5), c.t(F16, 2))),
                dtype("sgd grad in F16", "sgd update takes grad as F32 only, got grad [4] of dtype F16",
                        c -> c.ops().sgd().update(c.t(4), c.t(F16, 4), new SgdParams(0.1f, 0, 0))),
                // GEMM and convolution take 16-bit activations and weights (MatmulFamily's and Conv2dFamily's
                // cases refuse mixes); their bias and weight gradients stay F32
                dtype("matmul bias in BF16", "matmul gemm takes bias as F32 only, got bias [4] of dtype BF16",
                        c -> c.ops().matmul().gemm(Gemm.of(c.t(20), c.t(BF16, 24), c.t(BF16, 30),
                                MatmulShape.parse("m4n5k6")).bias(c.t(BF16, 4))
                                .params(MatmulParams.DEFAULT.withBias(MatmulBias.PER_ROW)))),
                dtype("conv2d dw in F16", "conv2d backwardWeights takes dw as F32 only, got dw [2, 4, 3, 3] of "
                        + "dtype F16",
                        c -> c.ops().conv2d().backwardWeights(c.t(F16, 2, 4, 3, 3), null, c.t(F16, 1, 2, 3, 3),
                                c.t(F16, 1, 4, 5, 5), Conv2dParams.DEFAULT)),
                dtype("batchnorm saveMean in F16", "batchnorm forwardTraining takes saveMean as F32 only, got "
                        + "saveMean [3] of dtype F16", c -> c.ops().batchNorm().forwardTraining(BatchNormTraining.of(
                                c.t(2, 3), new BatchNormSaved(c.t(F16, 3), c.t(3)), c.t(2, 3)))),
                dtype("batchnorm y in F16 for x in BF16", "batchnorm forwardTraining takes its activations in one "
                        + "dtype: x is BF16, y is F16", c -> c.ops().batchNorm().forwardTraining(BatchNormTraining.of(
                                c.t(F16, 2, 3), new BatchNormSaved(c.t(3), c.t(3)), c.t(BF16, 2, 3)))),
                dtype("sgd halfCopy in F32", "halfCopy must be F16 or BF16 (the 16-bit copy of the fp32 weights), "
                        + "got F32", c -> c.ops().sgd().update(c.t(4), null, c.t(4), new SgdParams(0.1f, 0, 0),
                                c.t(4))),
                dtype("sgd halfCopy of another shape", "halfCopy has shape [5], expected [4]",
                        c -> c.ops().sgd().update(c.t(4), null, c.t(4), new SgdParams(0.1f, 0, 0), c.t(F16, 5))),
                dtype("raw bits of an F32 tensor", "tensor [3] is F32: the raw 16-bit form is for F16 and BF16",
                        c -> c.t(3).toBits()),
                dtype("raw bits into an F32 tensor", "tensor [3] is F32: the raw 16-bit form",
                        c -> c.t(3).copyFromBits(new short[3])),
                dtype("raw bits of the wrong length", "bits has 2 values, tensor [3] needs 3",
                        c -> c.t(F16, 3).copyFromBits(new short[2])),
                dtype("null raw bits", "bits is null", c -> c.t(BF16, 3).copyFromBits(null)),
                dtype("floats of the wrong length into F16", "data has 2 floats, tensor [3] needs 3",
                        c -> c.t(F16, 3).copyFrom(new float[2])),
                dtype("null dtype", "dtype is null", c -> c.ops().memory().full((DType) null, 1f, 3)));
    }

    private static BadInputCase<Backend> dtype(String name, String words, Consumer<BadInputCase.Context<Backend>> call) {
        return new BadInputCase<>("dtype", name, words, call);
    }
}
