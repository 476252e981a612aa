package org.clengine.verify;

import java.util.List;

/**
 * One op family's kernel-vs-reference check, as {@code ./clengine verify --op NAME} runs it, on the family's own ops
 * object ({@code O}: BatchNormOps, MatmulOps, ...) of the device under test and of the reference.
 */
public interface OpVerification<O> {

    /** One line of the verify table: a descriptor, a variant and one output's comparison. */
    record Row(String descriptor, String variant, Comparison comparison) {
    }

    /** The fixed list of descriptors verify runs. */
    List<String> shapes();

    /** The descriptors that together launch every kernel of the family (the kernel-coverage test runs these). */
    default List<String> coverageShapes() {
        return shapes();
    }

    /** Every variant on one descriptor, on {@code device} against {@code reference}. */
    List<Row> run(O device, O reference, String descriptor, long seed);

    /**
     * Runs {@code check} with {@code seed}; while the reference checks nothing (MISTRUSTED: a ReLU of one negative
     * value, a tiny all-zero draw), again with seed+1, seed+2, ... up to 20 times, as benchdnn fills data so that
     * each check means something.
     */
    static List<Comparison> trusted(java.util.function.LongFunction<List<Comparison>> check, long seed) {
        List<Comparison> result = List.of();
        for (int attempt = 0; attempt < 20; attempt++) {
            result = check.apply(seed + attempt);
            if (result.stream().noneMatch(c -> c.status() == Comparison.Status.MISTRUSTED)) return result;
        }
        return result;
    }
}
