package org.clengine.bench;

import static org.clengine.bench.Report.fmt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results table as console text and as Markdown, with the notes that say how to read it. */
final class ReportText {
    private static final String[] HEADER = {"op", "shape", "system", "variant", "median ms", "GB/s", "GFLOP/s",
            "× ceiling", "÷ clengine"};

    /** How the numbers are counted, for the columns these rows fill; printed under every table. */
    static List<String> reading(List<Row> rows) {
        boolean bytes = rows.stream().anyMatch(r -> r.gbps() != null);
        boolean flops = rows.stream().anyMatch(r -> r.gflops() != null);
        return READING.stream().filter(line -> !line.startsWith("GB/s") && !line.contains("batch norm:")
                && !line.startsWith("copy rows") || bytes)
                .filter(line -> !line.startsWith("GFLOP/s") && !line.contains(", matmul") && !line.contains(", conv2d")
                        || flops).toList();
    }

    private static final List<String> READING = List.of(
            "median ms: the median of every timed invocation (JMH SampleTime; one invocation = enqueue + finish); "
                    + "peers: the median of their repeats.",
            "GB/s: essential bytes / median time. Essential bytes: forward-train reads x twice and writes y; "
                    + "forward-inference reads x and writes y; backward reads x and dy twice and writes dx; "
                    + "add_relu adds z's read (and dz's write in backward); a fused ReLU's backward reads y twice. "
                    + "Statistics vectors are not counted.",
            "× ceiling, batch norm: GB/s over the GB/s of the copy_float4 kernel (kernels/copy.cl, read + write "
                    + "counted) measured in this run on a buffer the size of the shape's tensor: the device's bandwidth "
                    + "ceiling.",
            "GFLOP/s: the op's FLOPs (2·M·N·K for matmul; 2·N·K·P·Q·C/groups·R·S for each conv2d op, the same for "
                    + "conv + BN, whose BN is not counted) / median time.",
            "× ceiling, matmul (and conv2d_gemm): GFLOP/s over the FMA peak measured in this run (peak_fma row: "
                    + "kernels/peak.cl, 18 independent float16 FMA chains per work-item, 8 work-items per compute "
                    + "unit; its fastest invocation of two trials, one before and one after the GEMMs: what the "
                    + "device gives with every core free, so the fraction of a median is conservative).",
            "× ceiling, conv2d: GFLOP/s over the GFLOP/s of our own GEMM on the layer's forward GEMM (conv2d_gemm "
                    + "row of the same shape: batch N, M = K, N = P·Q, K = C·R·S, the filter shared by every image, "
                    + "on a col matrix made beforehand) measured in this run. Depthwise layers run no GEMM: none.",
            "copy rows: the op's essential bytes (unfused) at the copy kernel's GB/s, i.e. the time an "
                    + "implementation at the ceiling would take; not a measurement of the op.",
            "÷ clengine: a peer's median time over clengine's for the same op, shape and variant (> 1: clengine "
                    + "is faster). PyTorch runs the ReLU and the add of the fused variants as separate eager ops.");

    private ReportText() {
    }

    /** The table's cells, header first; the GB/s and GFLOP/s columns only when some row has that figure. */
    static List<String[]> cells(List<Row> rows) {
        Map<String, Double> speedups = Report.peerSpeedups(rows);
        boolean flops = rows.stream().anyMatch(r -> r.gflops() != null);
        boolean bytes = rows.stream().anyMatch(r -> r.gbps() != null);
        List<String[]> out = new ArrayList<>();
        out.add(columns(HEADER, bytes, flops));
        for (Row r : rows) {
            Double ratio = speedups.get(Report.key(r) + " " + r.system());
            String[] row = {r.op(), r.shape(), r.system(), r.variant(), fmt(r.ms(), "%.3f"), fmt(r.gbps(), "%.1f"),
                    fmt(r.gflops(), "%.1f"), fmt(r.fraction(), "%.2f"), fmt(ratio, "%.2f")};
            out.add(columns(row, bytes, flops));
        }
        return out;
    }

    private static String[] columns(String[] row, boolean bytes, boolean flops) {
        String[] r = flops ? row : drop(row, 6);
        return bytes ? r : drop(r, 5);
    }

    private static String[] drop(String[] row, int column) {
        List<String> list = new ArrayList<>(List.of(row));
        list.remove(column);
        return list.toArray(String[]::new);
    }

    /** Fixed-width columns for the console: text left, numbers right. */
    static String text(Results results) {
        List<String[]> all = cells(results.rows());
        int[] width = new int[all.get(0).length];
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) {
                String f = i < 4 ? "%-" + width[i] + "s  " : "%" + width[i] + "s  ";
                sb.append(String.format(Locale.ROOT, f, row[i]));
            }
            sb.setLength(sb.length() - 2);
            sb.append('\n');
        }
        return sb.toString();
    }

    static String markdown(Results results, Report report, List<String> header) {
        StringBuilder sb = new StringBuilder("# clengine benchmark results\n\n");
        for (String line : header) sb.append("- ").append(line).append('\n');
        List<String[]> cells = cells(results.rows());
        for (int r = 0; r < cells.size(); r++) {
            sb.append(r == 0 ? "\n| " : "| ").append(String.join(" | ", cells.get(r))).append(" |\n");
            if (r == 0) {
                sb.append('|');
                for (int i = 0; i < cells.get(0).length; i++) sb.append(i < 4 ? "---|" : "---:|");
                sb.append('\n');
            }
        }
        if (!report.copies().isEmpty()) {
            sb.append("\n## Copy kernel (the bandwidth ceiling)\n\n| floats per buffer | MB read + written | median ms "
                    + "| GB/s |\n|---:|---:|---:|---:|\n");
        }
        for (Report.Copy c : report.copies().values()) {
            sb.append(String.format(Locale.ROOT, "| %d | %.1f | %.3f | %.1f |%n", c.floats(),
                    2.0 * Float.BYTES * c.floats() / 1e6, c.ms(), c.gbps()));
        }
        sb.append("\n## How to read it\n\n");
        for (String line : reading(results.rows())) sb.append("- ").append(line).append('\n');
        if (!report.notes().isEmpty()) {
            sb.append("\n## Notes\n\n");
            for (String line : report.notes()) sb.append("- ").append(line).append('\n');
        }
        return sb.toString();
    }
}
