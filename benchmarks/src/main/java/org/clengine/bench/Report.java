package org.clengine.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The results of one run: rows from the benchmarks and the peers, the copy ceiling per buffer size, and the notes
 * that say how to read them. Fractions are taken against the copy kernel measured in the same run on a buffer the
 * size of the shape's tensor.
 */
final class Report {
    static final String COPY = "copy";

    /** A row and the family it came from (for its ceiling and its place in the table). */
    private record Entry(BenchFamily family, Row row) {
    }

    /** One copy-kernel measurement: floats per buffer, median ms, GB/s (read + write). */
    record Copy(long floats, double ms, double gbps) {
    }

    private final String device;
    private final String driver;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Long, Copy> copies = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();

    Report(String device, String driver) {
        this.device = device;
        this.driver = driver;
    }

    void add(BenchFamily family, Row row) {
        entries.add(new Entry(family, row));
    }

    /** The copy kernel over {@code floats} floats took {@code ms}; it read and wrote each byte once. */
    void copy(long floats, double ms) {
        copies.put(floats, new Copy(floats, ms, 2.0 * Float.BYTES * floats / ms / 1e6));
    }

    /** A line for the notes under the table (peer versions, skipped peers, load). */
    void note(String line) {
        notes.add(line);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    Map<Long, Copy> copies() {
        return copies;
    }

    /**
     * Every row in table order, with its fraction of its ceiling (the copy kernel's GB/s for bandwidth-bound
     * families, {@link BenchFamily#fraction} for compute-bound ones), plus one {@code copy} row per (op,
     * shape): the op's essential bytes (first, unfused variant) at the copy kernel's GB/s, i.e. the time an
     * implementation running at the ceiling would need.
     */
    Results results() {
        List<Entry> all = new ArrayList<>();
        Map<String, Entry> copyRows = new LinkedHashMap<>();
        List<Row> measured = entries.stream().map(Entry::row).toList();
        for (Entry e : entries) {
            Row r = e.row();
            if (e.family().copyFloats(r.shape()) == 0) { // compute-bound: the family knows its ceiling row
                all.add(new Entry(e.family(), r.withFraction(e.family().fraction(r, measured))));
                continue;
            }
            Copy c = copies.get(e.family().copyFloats(r.shape()));
            all.add(new Entry(e.family(), r.withFraction(c == null || r.gbps() == null ? null : r.gbps() / c.gbps())));
            if (c == null) continue;
            String base = e.family().variants().get(0);
            BenchFamily.Work w = e.family().work(r.op(), r.shape(), base);
            copyRows.putIfAbsent(r.op() + " " + r.shape(), new Entry(e.family(),
                    Row.of(r.op(), r.shape(), COPY, base, w.bytes() / c.gbps() / 1e6, w).withFraction(1.0)));
        }
        all.addAll(copyRows.values());
        all.sort(order());
        return new Results(device, driver, all.stream().map(Entry::row).toList());
    }

    /** Family, op, shape in the family's order; the copy row first, then each variant: clengine, then peers. */
    private static Comparator<Entry> order() {
        Function<Entry, Integer> family = e -> BenchFamily.all().indexOf(e.family());
        Function<Entry, Integer> shape = e -> e.family().shapes().indexOf(e.row().shape());
        Function<Entry, Integer> variant = e -> e.row().system().equals(COPY) ? -1 // the bound heads its group
                : e.family().variants().indexOf(e.row().variant());
        Function<Entry, Integer> system = e -> switch (e.row().system()) {
            case BenchSystems.CLENGINE -> 0;
            case COPY -> 1;
            default -> 2;
        };
        return Comparator.comparing(family).thenComparing(e -> e.row().op(), Comparator.comparing(Report::opRank))
                .thenComparing(e -> e.row().op()).thenComparing(shape).thenComparing(e -> e.row().shape()).thenComparing(variant)
                .thenComparing(system).thenComparing(e -> e.row().system());
    }

    /** Ceilings (peak, GEMM) first, then forward training, forward inference, backward: a training step's story. */
    private static int opRank(String op) {
        if (op.startsWith("peak") || op.endsWith("gemm")) return -1;
        if (op.contains("fwd_train")) return 0;
        if (op.contains("fwd_infer")) return 1;
        if (op.contains("fwd")) return 2;
        if (op.contains("bwd_data")) return 3;
        if (op.contains("bwd_weights")) return 4;
        return 5;
    }

    /** Peer time over clengine time for the clengine row's (op, shape, variant), or null without a peer row. */
    static Map<String, Double> peerSpeedups(List<Row> rows) {
        Map<String, Double> engine = new LinkedHashMap<>();
        Map<String, Double> out = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.system().equals(BenchSystems.CLENGINE)) engine.put(key(r), r.ms());
        }
        for (Row r : rows) {
            Double ms = engine.get(key(r));
            if (!r.system().equals(BenchSystems.CLENGINE) && !r.system().equals(COPY) && ms != null) {
                out.put(key(r) + " " + r.system(), r.ms() / ms);
            }
        }
        return out;
    }

    static String key(Row r) {
        return r.op() + " " + r.shape() + " " + r.variant();
    }

    static String fmt(Double v, String pattern) {
        return v == null ? "—" : String.format(Locale.ROOT, pattern, v);
    }
}
