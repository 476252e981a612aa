package org.clengine.bench;

/**
 * One line of the results, exactly as the JSON writes it. {@code system}: clengine, copy or a peer's name; {@code op}:
 * the family's JSON op name (batchnorm_fwd_train, …); {@code variant}: plain or the fused form. Null where a figure
 * means nothing: gflops of a bandwidth-bound op, gbps of a compute-bound one, fraction without a ceiling.
 */
public record Row(String op, String shape, String system, String variant, double ms, Double gflops, Double gbps,
        Double fraction) {

    /** A row with its rates worked out from the essential work; no fraction yet. */
    static Row of(String op, String shape, String system, String variant, double ms, BenchFamily.Work work) {
        Double gflops = work.flops() > 0 ? work.flops() / ms / 1e6 : null;
        Double gbps = work.bytes() > 0 ? work.bytes() / ms / 1e6 : null;
        return new Row(op, shape, system, variant, ms, gflops, gbps, null);
    }

    Row withFraction(Double value) {
        return new Row(op, shape, system, variant, ms, gflops, gbps, value);
    }
}
