package org.clengine.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The results as a bar chart (PNG): GB/s (bandwidth-bound rows) or GFLOP/s (compute-bound rows) per (op, shape,
 * variant), one bar per system.
 */
final class ReportChart {
    private static final Map<String, Color> COLORS = Map.of(
            BenchSystems.CLENGINE, new Color(0x1f77b4), Report.COPY, new Color(0xaaaaaa),
            "pytorch", new Color(0xee4c2c), "peak", new Color(0x555555), "clblast", new Color(0x2ca02c),
            "openblas", new Color(0x9467bd), "nd4j", new Color(0xff7f0e));

    private ReportChart() {
    }

    /** Writes the chart of GFLOP/s ({@code flops}) or GB/s; false (and no file) when no row has that figure. */
    static boolean write(Results results, String title, Path png, boolean flops) throws IOException {
        Set<String> categories = new LinkedHashSet<>();
        Map<String, Map<String, Double>> series = new LinkedHashMap<>();
        Map<String, Double> ceiling = new LinkedHashMap<>();
        series.put(BenchSystems.CLENGINE, new LinkedHashMap<>());
        for (Row r : results.rows()) {
            Double value = flops ? r.gflops() : r.gbps();
            if (value == null || (flops && r.gbps() != null)) continue;
            if (r.system().equals(Report.COPY)) {
                ceiling.put(r.op() + " " + r.shape(), value);
                continue;
            }
            categories.add(category(r));
            series.computeIfAbsent(r.system(), k -> new LinkedHashMap<>()).put(category(r), value);
        }
        if (!ceiling.isEmpty()) { // the copy bar last, one ceiling for every variant of an (op, shape)
            Map<String, Double> copy = series.computeIfAbsent(Report.COPY, k -> new LinkedHashMap<>());
            for (Row r : results.rows()) {
                Double c = ceiling.get(r.op() + " " + r.shape());
                if (c != null && !r.system().equals(Report.COPY)) copy.put(category(r), c);
            }
        }
        series.values().removeIf(Map::isEmpty);
        if (categories.isEmpty()) return false;
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 60 * categories.size() + 300))
                .height(720).title(title).xAxisTitle("op shape variant").yAxisTitle(flops ? "GFLOP/s" : "GB/s (essential bytes)").build();
        Styler s = chart.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setAvailableSpaceFill(0.8);
        chart.getStyler().setOverlapped(false);
        List<String> x = new ArrayList<>(categories);
        for (var e : series.entrySet()) {
            List<Double> y = new ArrayList<>();
            for (String c : x) y.add(e.getValue().getOrDefault(c, 0.0)); // no bar where a system has no row
            var added = chart.addSeries(e.getKey(), x, y);
            Color color = COLORS.get(e.getKey());
            if (color != null) added.setFillColor(color);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    private static String category(Row r) {
        return r.op().replace("batchnorm_", "") + " " + r.shape() + " " + r.variant();
    }
}
