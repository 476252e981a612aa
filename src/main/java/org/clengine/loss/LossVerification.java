package org.clengine.loss;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.verify.Comparison;
import org.clengine.verify.HalfBits;
import org.clengine.verify.OpVerification;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;

/**
 * verify's softmax + cross-entropy rows. Descriptor {@code mb128ic10}: N rows of K classes. Logits are normal with
 * a per-row offset (softmax must not care) and labels uniform; {@code train} returns the gradient, {@code eval}
 * only loss and count. The count of correct rows must match exactly. Up to {@link #HALF_ROWS_UP_TO} logits (the
 * coverage shapes among them) every row runs again with F16 and BF16 logits and gradient (rows {@code f16 train},
 * ...): the loss is fp32 from the same rounded logits and keeps its tolerance; the gradient gets {@link
 * Tolerance#half} and the bit check of {@link HalfBits} away from the label.
 */
public final class LossVerification implements OpVerification<LossOps> {
    private static final Pattern DESCRIPTOR = Pattern.compile("mb(\\d+)ic(\\d+)");
    /** The most logits with 16-bit rows: verify and Oclgrind stay quick. */
    public static final int HALF_ROWS_UP_TO = 1 << 16;

    @Override
    public List<String> shapes() {
        return List.of("mb128ic10", "mb1ic2", "mb7ic3", "mb256ic1000", "mb1000ic10");
    }

    @Override
    public List<String> coverageShapes() {
        // 7 classes; 131: more than the work-group kernel's 64 lanes, so that lanes take several columns
        return List.of("mb13ic7", "mb3ic131");
    }

    @Override
    public List<Row> run(LossOps device, LossOps reference, String descriptor, long seed) {
        int[] nk = parse(descriptor);
        List<Row> rows = new ArrayList<>();
        for (DType act : DType.values()) {
            if (act != DType.F32 && (long) nk[0] * nk[1] > HALF_ROWS_UP_TO) continue;
            String prefix = act == DType.F32 ? "" : act.name().toLowerCase(Locale.ROOT) + " ";
            for (boolean train : new boolean[] {true, false}) {
                for (Comparison c : run(device, reference, nk[0], nk[1], train, seed, act)) {
                    rows.add(new Row(descriptor, prefix + (train ? "train" : "eval"), c));
                }
            }
        }
        return rows;
    }

    /** {N, K} of a descriptor such as {@code mb128ic10}. */
    public static int[] parse(String descriptor) {
        Matcher m = DESCRIPTOR.matcher(descriptor.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + descriptor + "' is not a loss descriptor: N×classes, such as "
                    + "mb128ic10");
        }
        int n = Integer.parseInt(m.group(1)), k = Integer.parseInt(m.group(2));
        Tensor.elementCount(n, k);
        return new int[] {n, k};
    }

    /** N rows of K classes, with the gradient ({@code train}) or without: device against reference. */
    public static List<Comparison> run(LossOps device, LossOps reference, int n, int k, boolean train, long seed) {
        return run(device, reference, n, k, train, seed, DType.F32);
    }

    /** As above with logits and dlogits stored in {@code act}. */
    public static List<Comparison> run(LossOps device, LossOps reference, int n, int k, boolean train, long seed,
            DType act) {
        RandomFill r = new RandomFill(seed);
        float[] logits = r.normal(n * k);
        float[] offsets = r.uniform(n, -20, 20);
        for (int i = 0; i < logits.length; i++) logits[i] = 3 * logits[i] + offsets[i / k];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) labels[i] = (float) Math.floor(r.uniform(1, 0, k)[0]);
        float[][] expected = outputs(reference, logits, labels, n, k, train, act);
        float[][] got = outputs(device, logits, labels, n, k, train, act);
        List<Comparison> out = new ArrayList<>();
        out.add(Comparison.of("loss", new float[] {expected[0][0]}, new float[] {got[0][0]}, Tolerance.LOSS));
        boolean same = expected[0][1] == got[0][1];
        out.add(new Comparison("correct", Math.abs(expected[0][1] - got[0][1]), 0, 0,
                same ? Comparison.Status.PASS : Comparison.Status.FAIL,
                same ? "" : "count " + got[0][1] + " vs reference " + expected[0][1]));
        if (train) {
            // at the label, dlogits = (softmax − 1)/N cancels: measure its error against the 1/N subtracted
            float[] scale = new float[n * k];
            for (int i = 0; i < n; i++) scale[i * k + (int) labels[i]] = 1f / n;
            out.add(Comparison.of("dlogits", expected[1], got[1], Tolerance.half(act, Tolerance.softmax(k)), scale));
            if (act != DType.F32) out.add(HalfBits.mismatches("dlogits", expected[1], got[1], scale));
        }
        return out;
    }

    /** {result, dlogits or null}. */
    static float[][] outputs(LossOps ops, float[] logits, float[] labels, int n, int k, boolean train, DType act) {
        try (TensorScope scope = new TensorScope(ops.memory())) {
            Tensor result = scope.full(Float.NaN, 2);
            Tensor dlogits = train ? scope.full(act, Float.NaN, n, k) : null;
            Tensor l = scope.tensor(act, logits, n, k), y = scope.tensor(labels, n);
            if (train) {
                ops.softmaxCrossEntropy(result, dlogits, l, y);
            } else {
                ops.softmaxCrossEntropy(result, l, y);
            }
            return new float[][] {result.toArray(), train ? dlogits.toArray() : null};
        }
    }
}
