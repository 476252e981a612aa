package org.clengine.verify;

import java.util.List;
import org.clengine.backend.Backend;

/** One op family's kernel-vs-reference check, as {@code ./clengine verify --op NAME} runs it. */
public interface OpVerification {

    /** One line of the verify table: a descriptor, a variant and one output's comparison. */
    record Row(String descriptor, String variant, Comparison comparison) {
    }

    /** The op's stem: batchnorm, matmul, conv2d. */
    String op();

    /** The fixed list of descriptors verify runs. */
    List<String> shapes();

    /** The descriptors that together launch every kernel of the family (the kernel-coverage test runs these). */
    default List<String> coverageShapes() {
        return shapes();
    }

    /** Every variant on one descriptor, on {@code device} against {@code reference}. */
    List<Row> run(Backend device, Backend reference, String descriptor, long seed);

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

    /** Every op family verify knows, in the order it runs them. */
    static List<OpVerification> all() {
        return List.of(new BatchNormVerification(), new MatmulVerification(), new Conv2dVerification(),
                new ElementwiseVerification(), new PoolingVerification(), new LossVerification(),
                new SgdVerification());
    }
}
