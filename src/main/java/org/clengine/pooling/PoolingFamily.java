package org.clengine.pooling;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;

/** Pooling as registered once: stem, the kernels of pooling.cl, its verification and its bad calls. */
public final class PoolingFamily {
    private static final Pool2dParams TWO = Pool2dParams.of(2);

    /** Bad calls, each with the words of its exception; both backends must refuse each one alike. */
    public static final List<BadInputCase<PoolingOps>> BAD_INPUTS = List.of(
            bad("output of another shape", "y has shape [1, 1, 3, 3], expected [1, 1, 2, 2]",
                    c -> c.ops().maxForward(c.t(1, 1, 3, 3), c.t(1, 1, 4, 4), TWO)),
            bad("padding over half the window", "between 0 and half the window", c -> Pool2dParams.of(2, 1, 2)),
            bad("window larger than the input", "pooling window 2×2 is larger than the padded input",
                    c -> c.ops().avgForward(c.t(1, 1, 1, 1), c.t(1, 1, 1, 1), TWO)),
            bad("global pooling of 2-D", "global average pooling takes x [N,C,H,W]",
                    c -> c.ops().globalAvgForward(c.t(2, 3), c.t(2, 3))),
            bad("null params", "params is null",
                    c -> c.ops().maxForward(c.t(1, 1, 2, 2), c.t(1, 1, 4, 4), (Pool2dParams) null)),
            bad("x of another memory", "belongs to backend",
                    c -> c.ops().maxForward(c.t(1, 1, 2, 2), c.foreign(1, 1, 4, 4), TWO)),
            bad("closed x", "x [1, 1, 4, 4] is closed", c -> {
                Tensor x = c.t(1, 1, 4, 4);
                x.close();
                c.ops().avgForward(c.t(1, 1, 2, 2), x, TWO);
            }),
            bad("max backward with dy of another shape", "dy has shape [1, 1, 3, 3], expected [1, 1, 2, 2]",
                    c -> c.ops().maxBackward(c.t(1, 1, 4, 4), c.t(1, 1, 3, 3), c.t(1, 1, 4, 4), TWO)),
            bad("average backward without dx", "dx is null",
                    c -> c.ops().avgBackward(null, c.t(1, 1, 2, 2), TWO)),
            bad("global backward with dy of another shape", "dy has shape [3, 2], expected [2, 3]",
                    c -> c.ops().globalAvgBackward(c.t(2, 3, 4, 4), c.t(3, 2))),
            bad("window of 2^31 - 1", "pooling window 2147483647 is more than 1073741824",
                    c -> Pool2dParams.of(Integer.MAX_VALUE, 1, 0)),
            bad("padded input past 2^30", "padded input height H + 2·pad 1073741825 is more than",
                    c -> c.ops().maxForward(c.t(1, 1, 1, 1), c.t(1, 1, 1, 1),
                            new Pool2dParams(1 << 30, 1, 1, 1, 1 << 29, 0, true))),
            bad("window area past int", "pooling window area kh·kw (65536·65536) is more than",
                    c -> new Pool2dShape(1, 1, 1, 1, new Pool2dParams(65536, 65536, 1, 1, 32768, 32768, true))),
            bad("descriptor number past int", "ih4294967297 is larger than 2147483647",
                    c -> Pool2dShape.parse("mb1ic1ih4294967297kh2")),
            bad("y a view of x", "y and x share storage (one tensor, or views of one); an output may not overlap an "
                    + "input", c -> {
                        Tensor x = c.t(1, 1, 4, 4);
                        c.ops().maxForward(x.view(16).view(1, 1, 4, 4), x, Pool2dParams.of(1));
                    }),
            bad("max backward dx is x", "dx and x share storage", c -> {
                Tensor x = c.t(1, 1, 4, 4);
                c.ops().maxBackward(x, c.t(1, 1, 4, 4), x, Pool2dParams.of(1));
            }),
            bad("average backward dx is dy", "dx and dy share storage", c -> {
                Tensor dy = c.t(1, 1, 4, 4);
                c.ops().avgBackward(dy, dy, Pool2dParams.of(1));
            }),
            bad("global y a view of x", "y and x share storage", c -> {
                Tensor x = c.t(2, 3, 1, 1);
                c.ops().globalAvgForward(x.view(2, 3), x);
            }),
            bad("global dx a view of dy", "dx and dy share storage", c -> {
                Tensor dy = c.t(2, 3);
                c.ops().globalAvgBackward(dy.view(2, 3, 1, 1), dy);
            }),
            bad("max forward y BF16 from F32 x", "pooling maxForward takes its activations in one dtype: x is F32, y "
                    + "is BF16", c -> c.ops().maxForward(c.t(DType.BF16, 1, 1, 2, 2), c.t(1, 1, 4, 4), TWO)),
            bad("max backward dy F16 with BF16 x", "pooling maxBackward takes its activations in one dtype: x is "
                    + "BF16, dy is F16", c -> c.ops().maxBackward(c.t(DType.BF16, 1, 1, 4, 4), c.t(DType.F16, 1, 1,
                            2, 2), c.t(DType.BF16, 1, 1, 4, 4), TWO)),
            bad("max backward dx F32 with F16 x", "x is F16, dx is F32", c -> c.ops().maxBackward(c.t(1, 1, 4, 4),
                    c.t(DType.F16, 1, 1, 2, 2), c.t(DType.F16, 1, 1, 4, 4), TWO)),
            bad("average backward dx F32 from F16 dy", "pooling avgBackward takes its activations in one dtype: dy "
                    + "is F16, dx is F32", c -> c.ops().avgBackward(c.t(1, 1, 4, 4), c.t(DType.F16, 1, 1, 2, 2),
                            TWO)),
            bad("global average y F16 from F32 x", "pooling globalAvgForward takes its activations in one dtype: x "
                    + "is F32, y is F16", c -> c.ops().globalAvgForward(c.t(DType.F16, 2, 3), c.t(2, 3, 4, 4))),
            bad("global backward dx BF16 from F32 dy", "dx is BF16, dy is F32",
                    c -> c.ops().globalAvgBackward(c.t(DType.BF16, 2, 3, 4, 4), c.t(2, 3))));

    public static final OpDescription<PoolingOps> DESCRIPTION = new OpDescription<>("pooling",
            PoolingKernel.bindings(), new PoolingVerification(), BAD_INPUTS);

    private PoolingFamily() {
    }

    private static BadInputCase<PoolingOps> bad(String name, String words, Consumer<BadInputCase.Context<PoolingOps>>
            call) {
        return new BadInputCase<>("pooling", name, words, call);
    }
}
