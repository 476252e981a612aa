package org.clengine.bench;

import java.util.List;
import java.util.Map;

/**
 * One op family's benchmarks as the runner sees them. Adding a family (matmul, conv2d) takes one JMH class that
 * exposes a {@code FAMILY} like {@link BatchNormBench#FAMILY}, and one entry in {@link Registry#ALL}.
 */
public interface BenchFamily {

    /** Every family {@code --op} can name, in the order the runner runs them. */
    static List<BenchFamily> all() {
        return Registry.ALL;
    }

    /**
     * The list itself, in a class of its own: a field of this interface would be initialised whenever a benchmark
     * class's FAMILY is (the interface has default methods), and would then read that FAMILY while still null.
     */
    final class Registry {
        static final List<BenchFamily> ALL = List.of(BatchNormBench.FAMILY, MatmulBench.FAMILY, Conv2dBench.FAMILY);

        private Registry() {
        }
    }

    /** Some {@code @Benchmark} methods of a class (all when {@code methods} is empty) over its parameters, crossed. */
    record Trials(Class<?> benchmark, List<String> methods, Map<String, List<String>> params) {
    }

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

    /**
     * The JMH runs for these shapes and variants. By default every {@code @Benchmark} of {@link #benchmark()} over
     * shape × variant × clengine; a family whose methods take different variants, systems or shapes (peers inside
     * the JVM, a ceiling) splits them into several. {@code peers}: include peers that run inside the JVM.
     */
    default List<Trials> trials(List<String> shapes, List<String> variants, boolean peers) {
        return List.of(new Trials(benchmark(), List.of(), Map.of("shape", shapes, "variant", variants,
                "system", List.of(BenchSystems.CLENGINE))));
    }

    /** Lines for the notes under the table when this family ran with peers: what each in-JVM peer is. */
    default List<String> notes(boolean peers) {
        return List.of();
    }

    /**
     * A compute-bound row's fraction of its ceiling measured in the same run (found among {@code rows}), or null.
     * Bandwidth-bound families leave this null: their ceiling is the copy kernel ({@link #copyFloats}).
     */
    default Double fraction(Row row, List<Row> rows) {
        return null;
    }
}
