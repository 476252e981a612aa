package org.clengine.conv2d;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.batchnorm.BatchNormFusion;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;

/** Convolution as registered once: its kernels (conv2d.cl, conv2d_depthwise.cl), verification and bad calls. */
public final class Conv2dFamily {
    private static final Conv2dParams P = Conv2dParams.DEFAULT;

    /** Bad calls to {@link Conv2dOps}, each with the words its exception must contain on every backend. */
    public static final List<BadInputCase<Conv2dOps>> BAD_INPUTS = List.of(
            bad("weights of another channel count", "have 3 input channels per group",
                    c -> c.ops().forward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 3, 3, 3), null, P)),
            bad("output of another shape", "y has shape [1, 2, 3, 3], expected [1, 2, 5, 5]",
                    c -> c.ops().forward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), null,
                            P.withPadding(1, 1))),
            bad("kernel larger than the padded input", "is larger than the padded input 4×4",
                    c -> c.ops().forward(c.t(1, 1, 1, 1), c.t(1, 1, 4, 4), c.t(1, 1, 5, 5), null, P)),
            bad("groups not dividing channels", "groups 2 must divide",
                    c -> c.ops().forward(c.t(1, 2, 4, 4), c.t(1, 3, 4, 4), c.t(2, 1, 1, 1), null, P.withGroups(2))),
            bad("bias of wrong length", "bias has shape [3], expected [2]",
                    c -> c.ops().forward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), c.t(3), P)),
            bad("null params", "params is null",
                    c -> c.ops().forward(c.t(1, 2, 3, 3), c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), null,
                            (Conv2dParams) null)),
            bad("dy of another shape", "dy has shape [1, 2, 2, 2], expected [1, 2, 3, 3]",
                    c -> c.ops().backwardData(c.t(1, 4, 5, 5), c.t(1, 2, 2, 2), c.t(2, 4, 3, 3), P)),
            bad("dw of another backend", "dw [2, 4, 3, 3] belongs to backend",
                    c -> c.ops().backwardWeights(c.foreign(2, 4, 3, 3), null, c.t(1, 2, 3, 3), c.t(1, 4, 5, 5),
                            P)),
            bad("zero stride", "stride must be at least 1", c -> P.withStride(0, 1)),
            bad("negative padding", "padding must be non-negative", c -> P.withPadding(-1, 0)),
            bad("conv+bn without the batch norm", "bn is null",
                    c -> c.ops().forwardBatchNormTraining(c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), null, P, null)),
            bad("conv+bn output of another shape", "bn.x (the convolution's output) has shape [1, 2, 5, 5], "
                    + "expected [1, 2, 3, 3]", c -> c.ops().forwardBatchNormTraining(c.t(1, 4, 5, 5),
                            c.t(2, 4, 3, 3), null, P, training(c, c.t(1, 2, 5, 5)))),
            bad("conv+bn gamma of wrong length", "gamma has shape [3], expected [2]",
                    c -> c.ops().forwardBatchNormTraining(c.t(1, 4, 5, 5), c.t(2, 4, 3, 3), null, P,
                            training(c, c.t(1, 2, 3, 3)).affine(c.t(3), c.t(3)))),
            // dilation 2^30 on a 5×5 filter: dilation·(R−1)+1 wrapped to 1 in int, the output was taken to be 5×5
            // (y is given that shape here) and the row kernel read far outside x (issue 18: SIGSEGV)
            bad("dilation whose dilated filter wraps int", "dilated filter height dilation·(R−1) + 1 4294967297 is "
                    + "more than 1073741824", c -> c.ops().forward(c.t(1, 1, 5, 5), c.t(1, 1, 5, 5), c.t(1, 1, 5, 5),
                            null, P.withDilation(1 << 30, 1 << 30))),
            bad("descriptor with dilation 2^30", "dilated filter height dilation·(R−1) + 1 4294967297",
                    c -> Conv2dShape.parse("mb1ic1ih5oc1kh5dh1073741823")),
            bad("padding of 2^31 - 1", "padding 2147483647 is more than 1073741824",
                    c -> P.withPadding(Integer.MAX_VALUE, Integer.MAX_VALUE)),
            bad("padded input past 2^30", "padded input height H + pad top + pad bottom 1073741829 is more than",
                    c -> c.ops().forward(c.t(1, 1, 1, 1), c.t(1, 1, 5, 5), c.t(1, 1, 1, 1), null,
                            P.withPadding(1 << 29, 0).withStride(1 << 30, 1))),
            bad("stride of 2^31 - 1", "stride 2147483647 is more than", c -> P.withStride(Integer.MAX_VALUE, 1)),
            bad("dilation descriptor past int", "dh4294967296 is larger than 2147483647",
                    c -> Conv2dShape.parse("mb1ic1ih5oc1kh5dh4294967296")),
            bad("col matrix past int", "one image's im2col matrix C·R·S·P·Q (16384·16·16·49·49) is more than",
                    c -> Conv2dShape.parse("mb1ic16384ih64oc1kh16")),
            bad("y a view of x", "y and x share storage (one tensor, or views of one); an output may not overlap an "
                    + "input", c -> {
                        Tensor x = c.t(1, 2, 5, 5);
                        c.ops().forward(x.view(50).view(1, 2, 5, 5), x, c.t(2, 2, 1, 1), null, P);
                    }),
            bad("y is the bias", "y and bias share storage", c -> {
                Tensor b = c.t(2);
                c.ops().forward(b.view(1, 2, 1, 1), c.t(1, 2, 3, 3), c.t(2, 2, 3, 3), b, P);
            }),
            bad("backward-data dx is dy", "dx and dy share storage", c -> {
                Tensor d = c.t(1, 2, 5, 5);
                c.ops().backwardData(d, d, c.t(2, 2, 1, 1), P);
            }),
            bad("backward-weights dw a view of x", "dw and x share storage", c -> {
                Tensor x = c.t(1, 1, 3, 3);
                c.ops().backwardWeights(x.view(1, 1, 3, 3), c.t(1, 1, 1, 1), x, P);
            }),
            bad("backward-weights dbias a view of dw", "dw and dbias share storage (one tensor, or views of one); two "
                    + "outputs may not overlap", c -> {
                        Tensor dw = c.t(2, 1, 1, 1);
                        c.ops().backwardWeights(dw, dw.view(2), c.t(1, 2, 3, 3), c.t(1, 1, 3, 3), P);
                    }),
            bad("conv+bn with bn.y over the conv's input", "bn.y and x share storage", c -> {
                Tensor x = c.t(1, 2, 3, 3), conv = c.t(1, 2, 3, 3);
                c.ops().forwardBatchNormTraining(x, c.t(2, 2, 1, 1), null, P,
                        training(c, conv).io(x.view(1, 2, 3, 3), conv));
            }),
            bad("conv+bn writing its output over the residual", "bn.x (the convolution's output) and residual share "
                    + "storage", c -> {
                        Tensor conv = c.t(1, 2, 3, 3);
                        c.ops().forwardBatchNormTraining(c.t(1, 2, 3, 3), c.t(2, 2, 1, 1), null, P,
                                training(c, conv).residual(conv).config(BatchNormConfig.DEFAULT
                                        .withFusion(BatchNormFusion.ADD_RELU)));
                    }),
            bad("x and weights of two dtypes", "conv2d takes x and weights in one dtype: x is BF16, weights is F16",
                    c -> c.ops().forward(c.t(DType.F16, 1, 2, 3, 3), c.t(DType.BF16, 1, 4, 5, 5),
                            c.t(DType.F16, 2, 4, 3, 3), null, P)),
            bad("16-bit x, F32 y", "conv2d takes x and y in one dtype: x is F16, y is F32",
                    c -> c.ops().forward(c.t(1, 2, 3, 3), c.t(DType.F16, 1, 4, 5, 5), c.t(DType.F16, 2, 4, 3, 3),
                            null, P)),
            bad("backward-data dy of another dtype", "conv2d takes dx and dy in one dtype: dx is BF16, dy is F32",
                    c -> c.ops().backwardData(c.t(DType.BF16, 1, 4, 5, 5), c.t(1, 2, 3, 3),
                            c.t(DType.BF16, 2, 4, 3, 3), P)),
            bad("16-bit dw", "takes dw as F32 only", c -> c.ops().backwardWeights(c.t(DType.F16, 2, 4, 3, 3), null,
                    c.t(DType.F16, 1, 2, 3, 3), c.t(DType.F16, 1, 4, 5, 5), P)),
            bad("16-bit bias", "takes bias as F32 only", c -> c.ops().forward(c.t(DType.BF16, 1, 2, 3, 3),
                    c.t(DType.BF16, 1, 4, 5, 5), c.t(DType.BF16, 2, 4, 3, 3), c.t(DType.BF16, 2), P)));



    /** conv2d: stem, the kernels of both files, verify's rows and the bad calls. */
    public static final OpDescription<Conv2dOps> DESCRIPTION = new OpDescription<>("conv2d", Conv2dKernel.bindings(),
            new Conv2dVerification(), BAD_INPUTS);

    private Conv2dFamily() {
    }

    private static BadInputCase<Conv2dOps> bad(String name, String words,
            Consumer<BadInputCase.Context<Conv2dOps>> call) {
        return new BadInputCase<>("conv2d", name, words, call);
    }

    /** A forward-training call on {@code conv} (bn.x) with an output of its shape, no affine, no running stats. */
    private static BatchNormTraining training(BadInputCase.Context<Conv2dOps> c, Tensor conv) {
        int[] dims = conv.shape();
        BatchNormSaved saved = c.scope().add(BatchNormSaved.allocate(c.scope().memory(), dims[1]));
        return BatchNormTraining.of(c.t(dims), saved, conv);
    }
}
