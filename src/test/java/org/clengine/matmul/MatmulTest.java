package org.clengine.matmul;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.clengine.matmul.opencl.MatmulTuner;
import org.clengine.testing.TestBackends;
import org.clengine.verify.Comparison;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every GEMM path (plain, packed, B in place, tiled, and whatever AUTO picks) and every parameter set a tuning
 * can store, against the reference on fresh random data, C poisoned with NaN. The policy is pinned to the family's
 * built-in default so a stored tuning on this machine does not change what is tested; the candidates are tested on
 * their own. Each path and candidate runs as the device's matmul with that policy (a new ops object; nothing
 * shared changes).
 */
class MatmulTest {
    /**
     * 1×1×1, tiles ±1, primes, tall-skinny, short-wide, K = 1, K = 4096, GEMV-like, convolution-like, sizes that
     * leave partial macro tiles and K blocks (kc 256). Each runs with all four transposes.
     */
    static final List<String> SHAPES = List.of(
            "m1n1k1", "m1n1k7", "m7n1k1", "m1n7k1", "m2n3k4", "m7n7k7", "m8n32k1", "m16n64k16", "m9n33k17",
            "m15n31k63", "m93n93k93", "m257n257k257", "m7n93k257", "m93n7k257", "m257n7k93", "m1000n3k50",
            "m4099n2k9", "m2048n16k16", "m3n1000k50", "m2n4099k9", "m16n2048k16", "m64n64k1", "m93n257k1",
            "m1n1000k1", "m17n19k4096", "m8n32k4096", "m33n65k4096", "m1n1k4096", "m40n70k513", "m128n128k256",
            "m129n129k257", "m256n256k64", "m31n37k41", "m97n101k103", "m61n67k71", "m127n131k137", "m1n512k512",
            "m512n1k512", "m64n196k576", "m32n3136k27", "m16n784k144", "m100n100k100", "m65n33k129", "m5n500k5",
            "m500n5k5", "m300n200k100");

    /** Scalars and epilogues, cycled over the shapes so each shape and transpose meets a different one. */
    static final List<MatmulParams> PARAMS = List.of(
            MatmulParams.DEFAULT,
            MatmulParams.of(2.5f, 0),
            MatmulParams.of(1, 1),
            MatmulParams.of(-0.5f, 2),
            MatmulParams.of(1.5f, -0.25f).withBias(MatmulBias.PER_ROW),
            MatmulParams.DEFAULT.withBias(MatmulBias.PER_COLUMN).withRelu(true),
            MatmulParams.of(0.75f, 0.5f).withBias(MatmulBias.PER_ROW).withRelu(true));

    static final List<MatmulPath> PATHS = List.of(MatmulPath.PLAIN, MatmulPath.PACKED, MatmulPath.DIRECT_B,
            MatmulPath.DIRECT_AB, MatmulPath.TILED, MatmulPath.AUTO);

    @TestFactory
    List<DynamicTest> everyPathMatchesTheReference() {
        List<MatmulCase> cases = new ArrayList<>();
        int i = 0;
        for (String d : SHAPES) {
            for (int t = 0; t < 4; t++, i++) {
                MatmulCase c = MatmulCase.of(MatmulShape.parse(d).withTransposes((t & 1) != 0, (t & 2) != 0),
                        PARAMS.get(i % PARAMS.size()));
                cases.add(i % 3 == 2 ? c.padded() : c);
            }
        }
        return tests(cases, PATHS, List.of(defaults()));
    }

    /** beta = 0 over a C full of NaN: C is never read, so no NaN may survive. */
    @TestFactory
    List<DynamicTest> betaZeroNeverReadsC() {
        List<MatmulCase> cases = new ArrayList<>();
        for (String d : List.of("m1n1k1", "m33n65k300tatb", "m8n32k16", "b3m17n40k9ta")) {
            cases.add(MatmulCase.of(d, MatmulParams.of(2, 0)));
            cases.add(MatmulCase.of(d, MatmulParams.of(-1, 0).withBias(MatmulBias.PER_COLUMN)).padded());
        }
        return tests(cases, PATHS, List.of(defaults()));
    }

    /** Strided batches: dense, as sub-matrices with gaps, and with one A or one B shared by every batch (stride 0). */
    @TestFactory
    List<DynamicTest> batchedMatchesTheReference() {
        List<MatmulCase> cases = new ArrayList<>();
        int i = 0;
        for (String d : List.of("b2m1n1k1", "b3m7n93k257", "b4m33n65k129", "b5m64n64k64", "b2m257n31k40",
                "b7m9n9k600")) {
            for (int t = 0; t < 4; t++, i++) {
                MatmulCase c = MatmulCase.of(MatmulShape.parse(d).withTransposes((t & 1) != 0, (t & 2) != 0),
                        PARAMS.get(i % PARAMS.size()));
                cases.add(switch (t) {
                    case 1 -> c.padded();
                    case 2 -> c.sharedA();
                    case 3 -> c.sharedB();
                    default -> c;
                });
            }
        }
        return tests(cases, PATHS, List.of(defaults()));
    }

    /** Small integers: every product and partial sum is exact in fp32, so every path must match bit for bit. */
    @TestFactory
    List<DynamicTest> integersMatchExactly() {
        List<MatmulCase> cases = new ArrayList<>();
        List<MatmulParams> params = List.of(MatmulParams.DEFAULT, MatmulParams.of(2, -1).withBias(MatmulBias.PER_ROW),
                MatmulParams.of(1, 3).withBias(MatmulBias.PER_COLUMN).withRelu(true));
        int i = 0;
        for (String d : List.of("m1n1k1", "m17n19k4096", "m93n93k93tatb", "m65n129k300ta", "b3m31n37k41tb",
                "m257n33k1000", "m4n100k2")) {
            MatmulCase c = MatmulCase.of(d, params.get(i++ % params.size())).withIntegers();
            cases.add(c);
            cases.add(c.padded());
        }
        return tests(cases, PATHS, List.of(defaults()));
    }

    /**
     * Every parameter set the tuner may store (so any tuned engine runs checked code), plus tiny macro tiles and K
     * blocks so every tile walk, partial tile and K-block seam runs, on the packed paths (A packed and in place).
     */
    @TestFactory
    List<DynamicTest> everyTuningCandidateMatchesTheReference() {
        Set<MatmulPolicy> tunings = new LinkedHashSet<>(MatmulTuner.allCandidates());
        MatmulPolicy d = defaults();
        tunings.add(d.withBlocks(d.mr(), d.nr(), 7));
        tunings.add(d.withBlocks(2 * d.mr(), 3 * d.nr(), 1));
        // a shape class's own blocks (the cases below are SMALL): tiny ones, B read in place at any M
        tunings.add(d.withClass(MatmulShapeClass.SMALL, new MatmulPolicy.Blocks(d.mr(), 2 * d.nr(), 5, 1 << 20)));
        List<MatmulCase> cases = new ArrayList<>(MatmulTuner.CHECKS);
        cases.add(MatmulCase.of("m45n100k300tb", MatmulParams.of(1, -1)).padded());
        cases.add(MatmulCase.of("b2m20n70k33", MatmulParams.DEFAULT.withBias(MatmulBias.PER_ROW).withRelu(true)));
        return tests(cases, List.of(MatmulPath.PACKED, MatmulPath.DIRECT_B, MatmulPath.DIRECT_AB, MatmulPath.TILED),
                List.copyOf(tunings));
    }

    private static MatmulPolicy defaults() {
        return MatmulPolicy.defaults(TestBackends.policy().family(), TestBackends.device().info());
    }

    /** One dynamic test per case; inside it every tuning × path runs against one reference result. */
    private static List<DynamicTest> tests(List<MatmulCase> cases, List<MatmulPath> paths,
            List<MatmulPolicy> tunings) {
        long seed = TestBackends.seed();
        List<DynamicTest> tests = new ArrayList<>();
        for (MatmulCase c : cases) {
            String name = c.label() + " × " + (tunings.size() > 1 ? tunings.size() + " tunings × " : "")
                    + paths.stream().map(p -> p.name().toLowerCase(Locale.ROOT)).toList() + " seed=" + seed;
            tests.add(dynamicTest(name, () -> check(c, paths, tunings, seed)));
        }
        return tests;
    }

    static void check(MatmulCase c, List<MatmulPath> paths, List<MatmulPolicy> tunings, long seed) {
        MatmulOps device = TestBackends.openCl().matmul();
        MatmulVerifier.Prepared prepared = MatmulVerifier.prepare(TestBackends.REFERENCE.matmul(), c, seed);
        List<String> failures = new ArrayList<>();
        for (MatmulPolicy t : tunings) {
            for (MatmulPath p : paths) {
                Comparison r = MatmulVerifier.compare(device.withPolicy(t.withPath(p)), prepared);
                if (!r.passed()) failures.add(p + " " + t.label() + ": " + r);
            }
        }
        assertTrue(failures.isEmpty(), () -> c.label() + " (reproduce with -Dclengine.seed=" + seed + "):\n"
                + String.join("\n", failures));
    }
}
