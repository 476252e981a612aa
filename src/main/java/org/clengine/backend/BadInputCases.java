package org.clengine.backend;

import java.util.ArrayList;
import java.util.List;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;

/**
 * The bad-input suite: every op family's cases (from its own package, through {@link OpFamily#ALL}) and the cases
 * of the tensors themselves (here). A case passes when the call raises IllegalArgumentException or the engine's
 * exception naming the problem; the suite runs on both backends, so both must refuse alike.
 */
public final class BadInputCases {
    private BadInputCases() {
    }

    /** Tensor creation, views, reads and copies on a backend: the cases no op family owns. */
    public static List<BadInputCase<Backend>> tensorCases() {
        return List.of(
                tensor("data of wrong length", "data has 5 floats, shape [2, 3] needs 6",
                        c -> c.ops().tensor(new float[5], 2, 3)),
                tensor("zero size", "has a dimension of 0", c -> c.ops().full(1f, 2, 0, 3)),
                tensor("negative size", "has a dimension of -3", c -> c.ops().full(1f, -3)),
                tensor("int overflow", "has more than 2146435072 elements (2^31 - 2^20)",
                        c -> c.ops().full(1f, 65536, 65536)),
                tensor("product that wraps to a small int", "has more than 2146435072 elements",
                        c -> c.ops().full(1f, 65536, 65536, 2)), // 2^33: wraps to 0 in int
                tensor("just past the limit", "has more than 2146435072 elements",
                        c -> c.ops().full(1f, 2146435073)),
                tensor("null data", "data is null", c -> c.ops().tensor(null, 2)),
                tensor("read of a closed tensor", "is closed", c -> {
                    Tensor t = c.t(4);
                    t.close();
                    t.toArray();
                }),
                tensor("view of another size", "cannot view tensor [2, 3] (6 elements) as [4]",
                        c -> c.t(2, 3).view(4)));
    }

    /** Every case, op families' and tensors', on {@code b}; {@code other} must be another backend. */
    public static List<BadInputCase.Outcome> run(Backend b, Backend other) {
        List<BadInputCase.Outcome> out = new ArrayList<>();
        for (OpFamily<?> f : OpFamily.ALL) out.addAll(f.badInputs(b, other));
        for (BadInputCase<Backend> c : tensorCases()) out.add(c.run(b, b.memory(), other.memory()));
        for (BadInputCase<Backend> c : DTypeBadInputs.cases()) out.add(c.run(b, b.memory(), other.memory()));
        return out;
    }

    private static BadInputCase<Backend> tensor(String name, String words,
            java.util.function.Consumer<BadInputCase.Context<Backend>> call) {
        return new BadInputCase<>("tensor", name, words, call);
    }
}
