package org.clengine.sgd;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;

/** SGD as registered once: stem, the kernel of sgd.cl, its verification and its bad calls. */
public final class SgdFamily {
    private static final SgdParams MOMENTUM = new SgdParams(0.1f, 0.9f, 0);
    private static final SgdParams PLAIN = new SgdParams(0.1f, 0, 0);

    /** Bad calls, each with the words of its exception; both backends must refuse each one alike. */
    public static final List<BadInputCase<SgdOps>> BAD_INPUTS = List.of(
            bad("momentum without a buffer", "momentum buffer is required when momentum is 0.9",
                    c -> c.ops().update(c.t(4), c.t(4), MOMENTUM)),
            bad("gradient of another shape", "grad has shape [5], expected [4]",
                    c -> c.ops().update(c.t(4), c.t(4), c.t(5), MOMENTUM)),
            bad("negative learning rate", "learning rate must be non-negative", c -> new SgdParams(-0.1f, 0, 0)),
            bad("buffer without momentum", "momentum buffer must be null when momentum is 0.0",
                    c -> c.ops().update(c.t(4), c.t(4), c.t(4), PLAIN)),
            bad("buffer of another shape", "momentum buffer has shape [5], expected [4]",
                    c -> c.ops().update(c.t(4), c.t(5), c.t(4), MOMENTUM)),
            bad("null params", "params is null", c -> c.ops().update(c.t(4), c.t(4), null)),
            bad("param of another memory", "belongs to backend",
                    c -> c.ops().update(c.foreign(4), c.t(4), PLAIN)),
            bad("momentum of 1", "momentum must be in [0, 1)", c -> new SgdParams(0.1f, 1, 0)),
            bad("subnormal learning rate", "learning rate must be 0 or a normal fp32 value",
                    c -> new SgdParams(1e-40f, 0, 0)),
            bad("subnormal weight decay", "weight decay must be 0 or a normal fp32 value",
                    c -> new SgdParams(0.1f, 0, Float.MIN_VALUE)),
            bad("grad is param", "param and grad share storage (one tensor, or views of one); an output may not "
                    + "overlap an input", c -> {
                        Tensor p = c.t(4);
                        c.ops().update(p, p, PLAIN);
                    }),
            bad("buffer a view of param", "param and momentum buffer share storage (one tensor, or views of one); "
                    + "two outputs may not overlap", c -> {
                        Tensor p = c.t(2, 2);
                        c.ops().update(p, p.view(4).view(2, 2), c.t(2, 2), MOMENTUM);
                    }),
            bad("grad a view of the buffer", "momentum buffer and grad share storage", c -> {
                Tensor buf = c.t(4);
                c.ops().update(c.t(4), buf, buf.view(4), MOMENTUM);
            }));

    public static final OpDescription<SgdOps> DESCRIPTION = new OpDescription<>("sgd", SgdKernel.bindings(),
            new SgdVerification(), BAD_INPUTS);

    private SgdFamily() {
    }

    private static BadInputCase<SgdOps> bad(String name, String words, Consumer<BadInputCase.Context<SgdOps>> call) {
        return new BadInputCase<>("sgd", name, words, call);
    }
}
