package org.clengine.matmul.opencl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.device.KernelFamily;
import org.clengine.device.TuningSearch;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulCase;
import org.clengine.matmul.MatmulOps;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.MatmulReference;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.MatmulShapeClass;
import org.clengine.matmul.MatmulTiling;
import org.clengine.matmul.MatmulVerifier;
import org.clengine.verify.Comparison;

/**
 * Searches GEMM parameters on one device: every candidate is first checked against the reference on awkward shapes
 * (both packed paths, exact small integers and random data), and only then timed, packing included, on the shapes
 * convolution and linear layers produce. Three stages: register tiles at the default blocks; macro tile and K block
 * for the two best tiles; whether B is read in place, from the M where packing it starts to pay. Only results
 * timed side by side are compared: each stage re-times what it compares. Each candidate runs as a
 * {@code new MatmulOpenCl(device, candidate)} of its own.
 */
public final class MatmulTuner {
    /** Awkward shapes each candidate must get right before it is timed: tails everywhere, K blocks, batches. */
    public static final List<MatmulCase> CHECKS = List.of(
            MatmulCase.of("m1n1k1", MatmulParams.DEFAULT),
            MatmulCase.of("m7n93k257tatb", MatmulParams.of(1.5f, 0)),
            MatmulCase.of("m93n7k257ta", MatmulParams.of(1, 0.5f).withBias(MatmulBias.PER_ROW)).padded(),
            MatmulCase.of("m131n67k600", MatmulParams.of(-1, 2).withBias(MatmulBias.PER_COLUMN).withRelu(true)),
            MatmulCase.of("b3m33n65k129tb", MatmulParams.of(2, -1)).padded().withIntegers(),
            MatmulCase.of("m257n129k1100", MatmulParams.DEFAULT).withIntegers());

    /** Timing shapes: square, and the GEMMs of ResNet-style convolutions (im2col) in both orientations. */
    public static final List<MatmulShape> TIMED = List.of(MatmulShape.parse("m1024n1024k1024"),
            MatmulShape.parse("m64n3136k576"), MatmulShape.parse("m256n1568k2304"), MatmulShape.parse("m576n3136k64"));

    private final Device device;
    private final KernelFamily family;
    private final MatmulOps reference;
    private final PrintStream out;
    private final long seed;
    private final int repeats;
    private List<MatmulVerifier.Prepared> prepared;

    /** Searches {@code family}'s candidates on {@code device}, each checked against {@code reference} first. */
    public MatmulTuner(Device device, KernelFamily family, MatmulOps reference, PrintStream out, long seed,
            int repeats) {
        this.device = device;
        this.family = family;
        this.reference = reference;
        this.out = out;
        this.seed = seed;
        this.repeats = repeats;
    }

    /**
     * {@code ./clengine tune matmul}: the winner for the device's own family (the only one a stored tuning is
     * applied to), checked against the reference; {@link MatmulTuningStore#base} if no candidate passes.
     */
    public static MatmulPolicy tune(Device device, PrintStream out, long seed, int repeats) {
        return new MatmulTuner(device, KernelFamily.own(device.info()), new MatmulReference(), out, seed,
                repeats).run();
    }

    /**
     * The GPU family's search space: matmul_tiled tilings from CLBlast's public tuning database (vendor defaults
     * and the entries of GTX 1080 Ti, R9 Fury X and R9 290X that keep at most 128 live floats), and a plain 8×8
     * register tile in 16×16 groups.
     */
    static final List<MatmulTiling> TILINGS = List.of(MatmulTiling.NVIDIA, MatmulTiling.NVIDIA.withPad(0),
            MatmulTiling.INTEL, MatmulTiling.GENERIC, new MatmulTiling(64, 128, 16, 16, 8, 2, 8, 1),
            new MatmulTiling(64, 64, 32, 16, 16, 4, 4, 1), new MatmulTiling(128, 64, 16, 32, 8, 4, 2, 1),
            new MatmulTiling(128, 128, 16, 16, 16, 4, 4, 1));

    /** The GPU family's candidates: each tiling of {@link #TILINGS} over the GPU defaults. */
    public static List<MatmulPolicy> tilings() {
        return TILINGS.stream().map(MatmulPolicy.gpuDefault()::withTiling).toList();
    }

    /**
     * Register tiles worth trying: on CPUs float16 rows that keep accumulators and B in 32 vector registers; on
     * GPUs the tilings of matmul_tiled ({@link #tilings}).
     */
    public static List<MatmulPolicy> tiles(KernelFamily family) {
        if (family == KernelFamily.GPU) return tilings();
        MatmulPolicy base = MatmulPolicy.cpuDefault();
        int[][] shapes = {{8, 16, 2}, {12, 16, 2}, {14, 16, 2}, {6, 16, 4}, {4, 16, 4}, {16, 16, 1}, {8, 8, 4}};
        List<MatmulPolicy> out = new ArrayList<>();
        for (int[] t : shapes) {
            int nr = t[1] * t[2];
            out.add(base.withTile(t[0], t[1], t[2], t[0] * Math.max(1, 128 / t[0]), roundUp(128, nr), base.kc()));
        }
        return out;
    }

    /** Macro tiles and K blocks tried for one register tile (CPUs; a GPU tiling is one candidate as it is). */
    public static List<MatmulPolicy> blocks(MatmulPolicy tile, KernelFamily family) {
        if (family != KernelFamily.CPU) return List.of(tile);
        List<MatmulPolicy> out = new ArrayList<>();
        int nr = tile.nr();
        for (int rows : new int[] {64, 128, 256}) {
            for (int cols : new int[] {128, 256}) {
                for (int kc : new int[] {128, 256, 512}) {
                    out.add(tile.withBlocks(Math.max(tile.mr(), rows / tile.mr() * tile.mr()), roundUp(cols, nr), kc));
                }
            }
        }
        return out;
    }

    /** Every parameter set a tuning could store for either kind of device: what the tests check. */
    public static List<MatmulPolicy> allCandidates() {
        List<MatmulPolicy> all = new ArrayList<>();
        for (KernelFamily family : KernelFamily.values()) {
            for (MatmulPolicy t : tiles(family)) all.addAll(blocks(t, family));
        }
        return all;
    }

    /** Runs the three stages and returns the winner (the default if no candidate passes). */
    public MatmulPolicy run() {
        out.println("stage 1: register tiles");
        List<TuningSearch.Result<MatmulPolicy>> best = evaluate(tiles(family)).stream().filter(r -> r.failure() == null)
                .sorted(Comparator.comparingDouble(TuningSearch.Result<MatmulPolicy>::score).reversed()).limit(2)
                .toList();
        if (best.isEmpty()) {
            out.println("no candidate passed its checks; keeping the default");
            return MatmulPolicy.defaults(family, device.info());
        }
        out.println("stage 2: macro tiles and K blocks (the stage-1 winners again among them, timed alongside)");
        List<MatmulPolicy> second = new ArrayList<>();
        for (var r : best) second.addAll(blocks(r.candidate(), family));
        var winner = evaluate(second).stream().max(Comparator.comparingDouble(TuningSearch.Result::score))
                .orElseThrow();
        out.printf(Locale.ROOT, "best: %s at %.1f GFLOP/s (geometric mean)%n", winner.candidate().label(),
                winner.score());
        if (family == KernelFamily.GPU) return winner.candidate(); // matmul_tiled reads B in place always
        out.println("stage 3: read B in place or pack it");
        MatmulPolicy three = winner.candidate().withDirectBMaxM(directBMaxM(winner.candidate()));
        out.println("stage 4: blocks per shape class (each against the policy-wide blocks, side by side)");
        return classes(three);
    }

    /** B read in place at any M: the bound a class's blocks take for "never pack B". */
    static final int ALWAYS_DIRECT = 1 << 20;
    /** A class's own blocks must beat the policy-wide ones by this fraction: noise here is ±5–10% between runs. */
    static final double CLASS_MARGIN = 0.10;

    /**
     * Stage 4: for each shape class but GENERAL, every macro tile and K block of {@link #blocks} with B packed
     * or read in place, timed on the class's own shape side by side with the policy-wide blocks; the fastest is
     * timed again against the policy-wide blocks alone (the best of many noisy timings is flattered), and the
     * class keeps it only when it beats those by {@link #CLASS_MARGIN} there and passes the checks. The register
     * tile stays.
     */
    MatmulPolicy classes(MatmulPolicy policy) {
        MatmulPolicy tuned = policy;
        for (MatmulShapeClass c : MatmulShapeClass.values()) {
            if (c == MatmulShapeClass.GENERAL) continue;
            List<MatmulPolicy> candidates = new ArrayList<>(List.of(policy));
            for (MatmulPolicy b : blocks(policy, family)) {
                for (int direct : new int[] {0, ALWAYS_DIRECT}) {
                    candidates.add(policy.withClass(c, new MatmulPolicy.Blocks(b.mc(), b.nc(), b.kc(), direct)));
                }
            }
            double[][] g = gflops(candidates, List.of(c.timed()));
            int best = 0;
            for (int i = 1; i < g.length; i++) if (g[i][0] > g[best][0]) best = i;
            MatmulPolicy.Blocks won = candidates.get(best).blocksFor(c.timed());
            if (best != 0) {
                // the fastest of 37 noisy timings is flattered by its luck: time it again against the policy alone
                g = gflops(List.of(policy, candidates.get(best)), List.of(c.timed()));
                best = 1;
            }
            boolean keep = best != 0 && g[best][0] > g[0][0] * (1 + CLASS_MARGIN);
            String failed = keep ? check(tuned.withClass(c, won)) : null;
            out.printf(Locale.ROOT, "  %-8s %-16s policy-wide %.1f, best %s %.1f GFLOP/s: %s%n", c, c.timed(), g[0][0],
                    won.label(), g[best][0], !keep ? "keeps the policy's" : failed != null ? "failed " + failed
                    : "takes its own");
            if (keep && failed == null) tuned = tuned.withClass(c, won);
        }
        return tuned;
    }

    /** Checks each candidate, then times those that passed; prints one line per candidate. */
    public List<TuningSearch.Result<MatmulPolicy>> evaluate(List<MatmulPolicy> candidates) {
        return TuningSearch.evaluate(out, candidates, this::check, t -> gflops(t, TIMED), MatmulPolicy::label,
                "GFLOP/s");
    }

    /**
     * Null if {@code t} passes every check on the paths the family's AUTO takes (both packed paths; on GPUs the tiled
     * one), else what failed.
     */
    public String check(MatmulPolicy t) {
        if (prepared == null) {
            prepared = CHECKS.stream().map(c -> MatmulVerifier.prepare(reference, c, seed)).toList();
        }
        List<MatmulPath> paths = family == KernelFamily.GPU ? List.of(MatmulPath.TILED)
                : List.of(MatmulPath.PACKED, MatmulPath.DIRECT_B);
        for (MatmulPath path : paths) {
            MatmulOpenCl candidate = new MatmulOpenCl(device, t.withPath(path));
            try {
                for (MatmulVerifier.Prepared p : prepared) {
                    Comparison r = MatmulVerifier.compare(candidate, p);
                    if (!r.passed()) return p.matmulCase().label() + " " + path + ": " + r;
                }
            } catch (RuntimeException e) {
                return path + ": " + e.getMessage();
            }
        }
        return null;
    }

    /** Largest M (of those tried) at which reading B in place beats packing it on the convolution shape. */
    private int directBMaxM(MatmulPolicy t) {
        int best = 0;
        for (int m : new int[] {64, 256, 512, 1024}) {
            MatmulShape s = new MatmulShape(1, m, 3136, 576, false, false);
            double[][] g = gflops(List.of(t.withPath(MatmulPath.PACKED), t.withPath(MatmulPath.DIRECT_B)), List.of(s));
            out.printf(Locale.ROOT, "  %-20s packed %.1f, B in place %.1f GFLOP/s%n", s, g[0][0], g[1][0]);
            if (g[1][0] > g[0][0]) best = m;
        }
        return best;
    }

    /**
     * GFLOP/s of each candidate on each shape, packing included: the fastest of {@code repeats} timed runs after one
     * warm-up. The candidates take turns within each repeat, so a burst of other work on a shared machine slows
     * them all alike; and the fastest run, not the median, counts, as other work only ever adds time.
     */
    public double[][] gflops(List<MatmulPolicy> candidates, List<MatmulShape> shapes) {
        List<MatmulOpenCl> ops = candidates.stream().map(t -> new MatmulOpenCl(device, t)).toList();
        double[][] best = new double[ops.size()][shapes.size()];
        try (TensorScope scope = new TensorScope(device)) {
            List<Tensor[]> operands = new ArrayList<>();
            for (MatmulShape s : shapes) {
                operands.add(new Tensor[] {scope.full(0.5f, s.batch() * s.m() * s.k()),
                        scope.full(0.25f, s.batch() * s.k() * s.n()), scope.full(0, s.batch() * s.m() * s.n())});
            }
            for (int rep = -1; rep < repeats; rep++) {
                for (int i = 0; i < ops.size(); i++) {
                    for (int j = 0; j < shapes.size(); j++) {
                        double g = timeOnce(ops.get(i), shapes.get(j), operands.get(j));
                        if (rep >= 0) best[i][j] = Math.max(best[i][j], g);
                    }
                }
            }
        }
        return best;
    }

    /** GFLOP/s of a few back-to-back calls (enough for ~0.2 GFLOP). */
    private double timeOnce(MatmulOps ops, MatmulShape s, Tensor[] acb) {
        Gemm call = Gemm.of(acb[2], acb[0], acb[1], s);
        int inner = (int) Math.max(1, Math.min(20, 2e8 / s.flops()));
        device.finish();
        long start = System.nanoTime();
        for (int j = 0; j < inner; j++) ops.gemm(call);
        device.finish();
        return s.flops() * inner / (System.nanoTime() - start);
    }

    private static int roundUp(int a, int multiple) {
        return (a + multiple - 1) / multiple * multiple;
    }
}
