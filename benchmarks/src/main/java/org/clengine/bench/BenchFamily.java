package org.clengine.bench;

import java.util.List;

/**
 * One op family's benchmarks as the runner sees them. Adding a family (matmul, conv2d) takes one JMH class that
 * exposes a {@code FAMILY} like {@link BatchNormBench#FAMILY}, and one entry in {@link #ALL}.
 */
public interface BenchFamily {

    /** Every family {@code --op} can name, in the order the runner runs them. */
    List<BenchFamily> ALL = List.of(BatchNormBench.FAMILY);

    /** The essential work of one measurement; 0 where a count means nothing for the op (bytes of a GEMM, say). */
    record Work(long flops, long bytes) {
    }

    /** The op stem, as {@code --op} takes it: batchnorm, matmul, conv2d. */
    String stem();

    /** The JMH class: a {@code shape} and a {@code variant} string parameter, one {@code @Benchmark} per op. */
    Class<?> benchmark();

    /** Descriptors benchmarked by default. */
    List<String> shapes();

    /** Values of the {@code variant} parameter. */
    List<String> variants();

    /** The JSON op name a {@code @Benchmark} method measures (e.g. batchnorm_fwd_train). */
    String op(String method);

    /** What one run of {@code op} on {@code shape} in {@code variant} must compute and move. */
    Work work(String op, String shape, String variant);

    /** Floats copied by the bandwidth ceiling for a shape (its largest tensor), or 0 for a compute-bound family. */
    long copyFloats(String shape);

    /** Peers timed on the same shapes in the same run, each in a process of its own. */
    List<PythonPeer> peers();
}
