package org.clengine.loss;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;

/** Softmax + cross-entropy as registered once: stem, the kernels of loss.cl, its verification and its bad calls. */
public final class LossFamily {

    /**
     * Bad calls, each with the words of its exception; both backends must refuse each one alike. A label out of
     * range is not among them: it gives a NaN loss on both (LossTest).
     */
    public static final List<BadInputCase<LossOps>> BAD_INPUTS = List.of(
            bad("labels of another length", "labels has shape [3], expected [2]",
                    c -> c.ops().softmaxCrossEntropy(c.t(2), c.t(2, 5), c.t(3))),
            bad("3-D logits", "takes logits [N,classes]",
                    c -> c.ops().softmaxCrossEntropy(c.t(2), c.t(2, 5, 1), c.t(2))),
            bad("null dlogits when training", "dlogits is null",
                    c -> c.ops().softmaxCrossEntropy(c.t(2), null, c.t(2, 5), c.t(2))),
            bad("dlogits of another shape", "dlogits has shape [5, 2], expected [2, 5]",
                    c -> c.ops().softmaxCrossEntropy(c.t(2), c.t(5, 2), c.t(2, 5), c.t(2))),
            bad("result of another length", "result has shape [3], expected [2]",
                    c -> c.ops().softmaxCrossEntropy(c.t(3), c.t(2, 5), c.t(2))),
            bad("null logits", "logits is null", c -> c.ops().softmaxCrossEntropy(c.t(2), null, c.t(2))),
            bad("labels of another memory", "belongs to backend",
                    c -> c.ops().softmaxCrossEntropy(c.t(2), c.t(2, 5), c.foreign(2))),
            bad("dlogits is logits", "dlogits and logits share storage (one tensor, or views of one); an output may "
                    + "not overlap an input", c -> {
                        Tensor logits = c.t(2, 5);
                        c.ops().softmaxCrossEntropy(c.t(2), logits, logits, c.t(2));
                    }),
            bad("result a view of logits", "result and logits share storage", c -> {
                Tensor logits = c.t(1, 2);
                c.ops().softmaxCrossEntropy(logits.view(2), logits, c.t(1));
            }),
            bad("dlogits a view of labels", "dlogits and labels share storage", c -> {
                Tensor labels = c.t(3);
                c.ops().softmaxCrossEntropy(c.t(2), labels.view(3, 1), c.t(3, 1), labels);
            }),
            bad("F32 dlogits for F16 logits", "loss softmaxCrossEntropy takes its activations in one dtype: logits "
                    + "is F16, dlogits is F32", c -> c.ops().softmaxCrossEntropy(c.t(2), c.t(2, 5), c.t(DType.F16,
                            2, 5), c.t(2))),
            bad("BF16 dlogits for F16 logits", "logits is F16, dlogits is BF16", c -> c.ops().softmaxCrossEntropy(
                    c.t(2), c.t(DType.BF16, 2, 5), c.t(DType.F16, 2, 5), c.t(2))),
            bad("16-bit labels", "loss softmaxCrossEntropy takes labels as F32 only, got labels [2] of dtype BF16",
                    c -> c.ops().softmaxCrossEntropy(c.t(2), c.t(DType.BF16, 2, 5), c.t(DType.BF16, 2))),
            bad("16-bit result", "loss softmaxCrossEntropy takes result as F32 only, got result [2] of dtype F16",
                    c -> c.ops().softmaxCrossEntropy(c.t(DType.F16, 2), c.t(DType.F16, 2, 5), c.t(2))));

    public static final OpDescription<LossOps> DESCRIPTION = new OpDescription<>("loss", LossKernel.bindings(),
            new LossVerification(), BAD_INPUTS);

    private LossFamily() {
    }

    private static BadInputCase<LossOps> bad(String name, String words, Consumer<BadInputCase.Context<LossOps>> call) {
        return new BadInputCase<>("loss", name, words, call);
    }
}
