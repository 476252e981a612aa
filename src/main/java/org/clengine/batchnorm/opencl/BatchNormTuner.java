package org.clengine.batchnorm.opencl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormOps;
import org.clengine.batchnorm.BatchNormPolicy;
import org.clengine.batchnorm.BatchNormReference;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.batchnorm.BatchNormVariant;
import org.clengine.batchnorm.BatchNormVerifier;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.device.TuningSearch;
import org.clengine.verify.Comparison;

/**
 * Searches batch norm's launch policy ({@link BatchNormPolicy}'s seven knobs) on one device, one knob at a time from
 * a base (the family's defaults): for each knob, every value is tried with the others held at the best so far, each
 * candidate checked against the reference on awkward shapes before it is timed, the current best timed again
 * alongside. The score is the geometric mean of forward-training and backward GB/s over three shapes: a ResNet
 * activation, a small-image one and an N×C one. Each candidate runs on a {@link BatchNormOpenCl} of its own on the
 * device; nothing is changed in place.
 */
public final class BatchNormTuner {
    /** Row and positions paths, one chunk and many, tails of blocks and spans, H·W over 2048. */
    public static final List<String> CHECKS = List.of("mb3ic5ih7iw9", "mb13ic3", "mb300ic40", "mb5ic4iw29",
            "mb2ic3ih50iw61", "mb9ic2ih3iw3");

    public static final List<BatchNormVariant> CHECKED = List.of(BatchNormVariant.TRAIN,
            BatchNormVariant.TRAIN_ADD_RELU, BatchNormVariant.INFER_RELU, BatchNormVariant.BWD,
            BatchNormVariant.BWD_ADD_RELU);

    /** How much faster (geometric mean) a candidate must be to replace the best so far. */
    static final double MARGIN = 1.05;

    public static final List<String> TIMED = List.of("mb32ic64ih56iw56", "mb256ic256ih14iw14", "mb128ic2048");

    private final Device device;
    private final BatchNormPolicy base;
    private final BatchNormOps reference = new BatchNormReference();
    private final PrintStream out;
    private final long seed;
    private final int repeats;
    private List<Prepared> prepared;

    /** A search on {@code device} from {@code base}, printing to {@code out}; checks draw from {@code seed}. */
    public BatchNormTuner(Device device, BatchNormPolicy base, PrintStream out, long seed, int repeats) {
        if (base.fixed() != null) throw new IllegalArgumentException("a fixed geometry has no knobs to tune");
        this.device = device;
        this.base = base;
        this.out = out;
        this.seed = seed;
        this.repeats = repeats;
    }

    /** {@code ./clengine tune batchnorm}: the search from {@code base}; returns the winner. */
    public static BatchNormPolicy tune(Device device, BatchNormPolicy base, PrintStream out, long seed,
            int repeats) {
        return new BatchNormTuner(device, base, out, seed, repeats).run();
    }

    /** The knobs in the order they are searched. */
    static final List<String> ORDER = List.of("target", "span", "localReduce", "localApply", "rowsMin",
            "localPositions", "posBlocks");

    /** {@code r} with one knob set to {@code v}. */
    static BatchNormPolicy with(BatchNormPolicy r, String knob, int v) {
        return switch (knob) {
            case "target" -> r.withTarget(v);
            case "span" -> r.withSpan(v);
            case "localReduce" -> r.withLocalReduce(v);
            case "localApply" -> r.withLocalApply(v);
            case "rowsMin" -> r.withRowsMin(v);
            case "localPositions" -> r.withLocalPositions(v);
            case "posBlocks" -> r.withPosBlocks(v);
            default -> throw new IllegalArgumentException(knob);
        };
    }

    static int[] values(String knob) {
        return switch (knob) {
            case "target" -> new int[] {128, 512, 2048, 8192};
            case "span" -> new int[] {8, 64, 512, 4096};
            case "localReduce", "localPositions" -> new int[] {1, 4, 16, 64};
            case "localApply" -> new int[] {1, 32, 256};
            case "rowsMin" -> new int[] {32, 256};
            case "posBlocks" -> new int[] {1, 2, 4};
            default -> throw new IllegalArgumentException(knob);
        };
    }

    /** Every policy a search from {@code start} could try: what the tests check. */
    public static List<BatchNormPolicy> neighbours(BatchNormPolicy start, long maxLocal) {
        LinkedHashSet<BatchNormPolicy> all = new LinkedHashSet<>();
        for (String knob : ORDER) {
            for (int v : values(knob)) {
                if (knob.startsWith("local") && v > maxLocal) continue;
                all.add(with(start, knob, v));
            }
        }
        return List.copyOf(all);
    }

    /**
     * Searches knob by knob from the base; returns the winner (the base if no candidate beats it by
     * {@link #MARGIN}).
     */
    public BatchNormPolicy run() {
        BatchNormPolicy best = base;
        long maxLocal = device.info().maxWorkGroupSize();
        for (String knob : ORDER) {
            LinkedHashSet<BatchNormPolicy> candidates = new LinkedHashSet<>();
            candidates.add(best);
            for (int v : values(knob)) {
                if (!knob.startsWith("local") || v <= maxLocal) candidates.add(with(best, knob, v));
            }
            out.println(knob + ":");
            var results = evaluate(List.copyOf(candidates));
            BatchNormPolicy current = best;
            double kept = results.stream().filter(r -> r.candidate().equals(current))
                    .mapToDouble(TuningSearch.Result::score).findFirst().orElse(0);
            var r = results.stream().max(Comparator.comparingDouble(TuningSearch.Result::score)).orElseThrow();
            // noise on a shared machine is a few per cent: a change must win by more than that
            if (r.score() > kept * MARGIN) best = r.candidate();
        }
        return best;
    }

    /** Checks each candidate, then times those that passed; prints one line per candidate. */
    public List<TuningSearch.Result<BatchNormPolicy>> evaluate(List<BatchNormPolicy> candidates) {
        return TuningSearch.evaluate(out, candidates, this::check, this::gbps, BatchNormPolicy::label, "GB/s");
    }

    /** Null if {@code r} passes every check, else what failed. */
    public String check(BatchNormPolicy r) {
        if (prepared == null) prepared = prepare();
        BatchNormOpenCl candidate = new BatchNormOpenCl(device, r);
        try {
            for (Prepared p : prepared) {
                for (Comparison c : BatchNormVerifier.compare(p.in(), p.v(), p.expected(),
                        BatchNormVerifier.outputs(candidate, p.in(), p.v()))) {
                    if (!c.passed()) return p.in().shape() + " " + p.v().label() + ": " + c;
                }
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        return null;
    }

    /** A check's inputs and the reference's outputs, computed once for every candidate. */
    private record Prepared(BatchNormVerifier.Inputs in, BatchNormVariant v, Map<String, float[]> expected) {
    }

    /** Every check shape × variant, on inputs the reference can be trusted on (as BatchNormVerifier.run draws). */
    private List<Prepared> prepare() {
        List<Prepared> out = new ArrayList<>();
        for (String d : CHECKS) {
            BatchNormShape s = BatchNormShape.parse(d);
            for (BatchNormVariant v : CHECKED) {
                Prepared p = null;
                for (int attempt = 0; attempt < 20; attempt++) {
                    BatchNormVerifier.Inputs in = BatchNormVerifier.Inputs.random(s, seed + attempt);
                    p = new Prepared(in, v, BatchNormVerifier.outputs(reference, in, v));
                    Prepared q = p;
                    if (BatchNormVerifier.compare(in, v, q.expected(), q.expected()).stream()
                            .noneMatch(c -> c.status() == Comparison.Status.MISTRUSTED)) {
                        break;
                    }
                }
                out.add(p);
            }
        }
        return out;
    }

    /**
     * GB/s of each policy on each timed shape, forward-training then backward (bytes: x read and y written; dy and
     * x read, dx written): the fastest of {@code repeats} runs after one warm-up, the candidates taking turns
     * within each repeat so that a burst of other work slows them alike.
     */
    public double[][] gbps(List<BatchNormPolicy> policies) {
        double[][] best = new double[policies.size()][2 * TIMED.size()];
        try (TensorScope scope = new TensorScope(device)) {
            List<Operands> operands = new ArrayList<>();
            for (String d : TIMED) operands.add(Operands.allocate(scope, BatchNormShape.parse(d)));
            for (int rep = -1; rep < repeats; rep++) {
                for (int i = 0; i < policies.size(); i++) {
                    BatchNormOpenCl candidate = new BatchNormOpenCl(device, policies.get(i));
                    for (int j = 0; j < TIMED.size(); j++) {
                        double[] g = timeOnce(candidate, operands.get(j));
                        if (rep >= 0) {
                            best[i][2 * j] = Math.max(best[i][2 * j], g[0]);
                            best[i][2 * j + 1] = Math.max(best[i][2 * j + 1], g[1]);
                        }
                    }
                }
            }
        }
        return best;
    }

    /** One timed shape's calls: forward training of x into y, backward of dy into dx, affine, nothing fused. */
    private record Operands(BatchNormShape shape, BatchNormTraining forward, BatchNormBackward backward) {
        static Operands allocate(TensorScope scope, BatchNormShape s) {
            int[] dims = s.dims();
            Tensor x = scope.full(0.5f, dims);
            Tensor gamma = scope.full(1, s.c());
            BatchNormSaved saved = new BatchNormSaved(scope.full(0, s.c()), scope.full(1, s.c()));
            BatchNormTraining forward = BatchNormTraining.of(scope.full(0, dims), saved, x)
                    .affine(gamma, scope.full(0, s.c()));
            BatchNormBackward backward = BatchNormBackward.of(scope.full(0, dims), scope.full(0.25f, dims), x, saved)
                    .affine(gamma, scope.full(0, s.c()), scope.full(0, s.c()));
            return new Operands(s, forward, backward);
        }
    }

    /** {forward-training, backward} GB/s of a few back-to-back calls (enough for ~100 MB each). */
    private double[] timeOnce(BatchNormOpenCl candidate, Operands t) {
        long bytes = t.shape().elements() * Float.BYTES;
        int inner = (int) Math.max(1, Math.min(20, 1e8 / (3.0 * bytes)));
        device.finish();
        long start = System.nanoTime();
        for (int k = 0; k < inner; k++) candidate.forwardTraining(t.forward());
        device.finish();
        long mid = System.nanoTime();
        for (int k = 0; k < inner; k++) candidate.backward(t.backward());
        device.finish();
        long end = System.nanoTime();
        return new double[] {2.0 * bytes * inner / (mid - start), 3.0 * bytes * inner / (end - mid)};
    }
}
