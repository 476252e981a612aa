package org.clengine.backend;

import java.util.List;
import java.util.function.Function;
import org.clengine.batchnorm.BatchNormFamily;
import org.clengine.conv2d.Conv2dFamily;
import org.clengine.elementwise.ElementwiseFamily;
import org.clengine.loss.LossFamily;
import org.clengine.matmul.MatmulFamily;
import org.clengine.pooling.PoolingFamily;
import org.clengine.sgd.SgdFamily;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;
import org.clengine.verify.OpVerification;

/**
 * An op family as registered: its description (stem, kernel files, verification, bad-input cases, from its own
 * package) and how to reach its ops on a backend. {@link #ALL} is the one list of families; verify's families, the
 * kernel files, the kernel-coverage test and the bad-input suite are all derived from it. Adding an op adds a line.
 */
public record OpFamily<O>(OpDescription<O> description, Function<Backend, O> ops) {

    /** Every op family, in the order verify runs them. */
    public static final List<OpFamily<?>> ALL = List.of(
            new OpFamily<>(BatchNormFamily.DESCRIPTION, Backend::batchNorm),
            new OpFamily<>(MatmulFamily.DESCRIPTION, Backend::matmul),
            new OpFamily<>(Conv2dFamily.DESCRIPTION, Backend::conv2d),
            new OpFamily<>(ElementwiseFamily.DESCRIPTION, Backend::elementwise),
            new OpFamily<>(PoolingFamily.DESCRIPTION, Backend::pooling),
            new OpFamily<>(LossFamily.DESCRIPTION, Backend::loss),
            new OpFamily<>(SgdFamily.DESCRIPTION, Backend::sgd));

    public String stem() {
        return description.stem();
    }

    /** Runs the family's verification on one descriptor: {@code device} against {@code reference}. */
    public List<OpVerification.Row> verify(Backend device, Backend reference, String descriptor, long seed) {
        return description.verification().run(ops.apply(device), ops.apply(reference), descriptor, seed);
    }

    /** Runs every bad-input case of the family on {@code backend}; {@code other} supplies foreign tensors. */
    public List<BadInputCase.Outcome> badInputs(Backend backend, Backend other) {
        O target = ops.apply(backend);
        return description.badInputs().stream().map(c -> c.run(target, backend.memory(), other.memory())).toList();
    }

    /** The family with this stem. */
    public static OpFamily<?> named(String stem) {
        return ALL.stream().filter(f -> f.stem().equals(stem)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown op family '" + stem + "'; known: "
                        + ALL.stream().map(OpFamily::stem).toList()));
    }
}
