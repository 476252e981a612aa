package org.clengine.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The experiments' PNGs: line charts, one panel or several side by side. Drawing never fails an experiment: without
 * java.desktop (the GPU kit's runtime) or a usable AWT, a line says so and the CSVs, which hold the same curves,
 * are all there is. This class names no AWT or XChart type, not even in a catch clause (the verifier would load
 * it): {@link XChartPanels} draws, and is loaded only where java.desktop exists.
 */
final class Plots {
    private Plots() {
    }

    /**
     * One chart: {@code series} maps a name (drawn in name order) to its points {x, y}; series whose names share
     * the part before ", " share a colour ("with BN, max" and "with BN, min"); an axis on a log scale when asked
     * (the y axis only when every y is positive).
     */
    record Panel(String title, String xTitle, String yTitle, Map<String, List<double[]>> series, boolean logX,
            boolean logY) {
        Panel(String title, String xTitle, String yTitle, Map<String, List<double[]>> series) {
            this(title, xTitle, yTitle, series, false, false);
        }
    }

    /**
     * Draws the panels side by side into {@code png}: 640×420 for one, 480×400 each for several. On a runtime
     * without java.desktop it only says so.
     */
    static void save(Path png, PrintWriter log, Panel... panels) {
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            log.printf("not drawing %s: this Java runtime has no java.desktop; the CSV holds the same curves%n", png);
            return;
        }
        try {
            XChartPanels.save(png, panels);
        } catch (Exception | LinkageError e) {
            log.printf("could not draw %s (%s); the CSV holds the same curves%n", png, e);
        }
    }

    /** Points {row[0], row[column]} of each row: one curve out of a table whose first column is x. */
    static List<double[]> column(List<double[]> rows, int column) {
        return rows.stream().map(r -> new double[] {r[0], r[column]}).toList();
    }
}
