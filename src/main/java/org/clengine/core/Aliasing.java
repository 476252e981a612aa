package org.clengine.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The aliasing check of ops that do not run in place: no output may share storage ({@link Tensor#sharesStorageWith})
 * with an input or with another output. A device kernel reads its inputs while other work-items write the output,
 * in no fixed order, so an overlap gives an answer that depends on the schedule; refusing it on every backend
 * keeps the reference and the device alike. Nulls (absent optional tensors) are skipped. Usage:
 * {@code Aliasing.outputs("y", y).inputs("x", x, "bias", bias).check()}.
 */
public final class Aliasing {
    private final List<String> outNames = new ArrayList<>();
    private final List<Tensor> outs = new ArrayList<>();
    private final List<String> inNames = new ArrayList<>();
    private final List<Tensor> ins = new ArrayList<>();

    private Aliasing() {
    }

    /** Name, tensor pairs: what the op writes (in-out tensors, such as running statistics, included). */
    public static Aliasing outputs(Object... pairs) {
        Aliasing a = new Aliasing();
        add(pairs, a.outNames, a.outs);
        return a;
    }

    /** Name, tensor pairs: what the op only reads. */
    public Aliasing inputs(Object... pairs) {
        add(pairs, inNames, ins);
        return this;
    }

    /** Throws IllegalArgumentException naming the first pair that shares storage. */
    public void check() {
        for (int i = 0; i < outs.size(); i++) {
            for (int j = i + 1; j < outs.size(); j++) {
                refuse(i, outNames.get(j), outs.get(j), "two outputs may not overlap");
            }
            for (int j = 0; j < ins.size(); j++) {
                refuse(i, inNames.get(j), ins.get(j), "an output may not overlap an input");
            }
        }
    }

    private void refuse(int out, String otherName, Tensor other, String rule) {
        if (outs.get(out).sharesStorageWith(other)) {
            throw new IllegalArgumentException(outNames.get(out) + " and " + otherName
                    + " share storage (one tensor, or views of one); " + rule);
        }
    }

    private static void add(Object[] pairs, List<String> names, List<Tensor> tensors) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) continue;
            names.add((String) pairs[i]);
            tensors.add((Tensor) pairs[i + 1]);
        }
    }
}
