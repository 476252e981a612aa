package org.clengine.elementwise;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;

/**
 * The elementwise ops as registered once: stem, the kernels of elementwise.cl and copy.cl (the tensor copy is this
 * family's), its verification and its bad calls.
 */
public final class ElementwiseFamily {

    /** Bad calls, each with the words of its exception; both backends must refuse each one alike. */
    public static final List<BadInputCase<ElementwiseOps>> BAD_INPUTS = List.of(
            bad("add of two shapes", "b has shape [3, 2], expected [2, 3]",
                    c -> c.ops().add(c.t(2, 3), c.t(2, 3), c.t(3, 2))),
            bad("scale by NaN", "alpha must be finite", c -> c.ops().scale(c.t(4), c.t(4), Float.NaN)),
            bad("relu backward without dx", "dx is null", c -> c.ops().reluBackward(null, c.t(4), c.t(4))),
            bad("copy between shapes", "dst has shape [3], expected [4]", c -> c.ops().copy(c.t(3), c.t(4))),
            bad("copy from a closed tensor", "src [4] is closed", c -> {
                Tensor src = c.t(4);
                src.close();
                c.ops().copy(c.t(4), src);
            }),
            bad("fill of another memory's tensor", "belongs to backend", c -> c.ops().fill(c.foreign(4), 1f)),
            bad("add backward without da", "da is null", c -> c.ops().addBackward(null, c.t(4), c.t(4))),
            bad("add backward without db", "db is null", c -> c.ops().addBackward(c.t(4), null, c.t(4))),
            bad("sigmoid without x", "x is null", c -> c.ops().sigmoidForward(c.t(4), null)),
            bad("relu output of another shape", "y has shape [6], expected [2, 3]",
                    c -> c.ops().reluForward(c.t(6), c.t(2, 3))),
            bad("add backward da is db", "da and db share storage (one tensor, or views of one); two outputs may "
                    + "not overlap", c -> {
                        Tensor d = c.t(4);
                        c.ops().addBackward(d, d.view(2, 2).view(4), c.t(4));
                    }),
            bad("convert between shapes", "dst has shape [3], expected [4]",
                    c -> c.ops().convert(c.t(DType.F16, 3), c.t(4))),
            bad("convert of a 2-D into a 1-D of as many elements", "dst has shape [6], expected [2, 3]",
                    c -> c.ops().convert(c.t(DType.BF16, 6), c.t(2, 3))),
            bad("convert without dst", "dst is null", c -> c.ops().convert(null, c.t(4))),
            bad("convert from a closed src", "src [4] is closed", c -> {
                Tensor src = c.t(DType.F16, 4);
                src.close();
                c.ops().convert(c.t(4), src);
            }),
            bad("convert onto itself", "dst and src share storage", c -> {
                Tensor t = c.t(4);
                c.ops().convert(t, t);
            }),
            bad("convert to another memory", "belongs to backend", c -> c.ops().convert(c.foreign(4), c.t(DType.F16,
                    4))),
            bad("in-place add through a view of another shape", "y has shape [2, 2], expected [4]", c -> {
                Tensor a = c.t(4);
                c.ops().add(a.view(2, 2), a, c.t(4));
            }));

    public static final OpDescription<ElementwiseOps> DESCRIPTION = new OpDescription<>("elementwise",
            Stream.concat(ElementwiseKernel.bindings().stream(), CopyKernel.bindings().stream()).toList(),
            new ElementwiseVerification(), BAD_INPUTS);

    private ElementwiseFamily() {
    }

    private static BadInputCase<ElementwiseOps> bad(String name, String words,
            Consumer<BadInputCase.Context<ElementwiseOps>> call) {
        return new BadInputCase<>("elementwise", name, words, call);
    }
}
