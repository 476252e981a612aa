package org.clengine.cli;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiments' PNGs: line charts drawn with XChart, one panel or several side by side. Drawing never fails an
 * experiment: without java.desktop (the GPU kit's runtime) or a usable AWT, a line says so and the CSVs, which hold
 * the same curves, are all there is. Only this class's bodies name AWT and XChart types.
 */
final class Plots {
    private Plots() {
    }

    /**
     * One chart: {@code series} maps a name (drawn in name order) to its points {x, y}; series whose names share
     * the part before ", " share a colour ("with BN, max" and "with BN, min"); an axis on a log scale when asked.
     */
    record Panel(String title, String xTitle, String yTitle, Map<String, List<double[]>> series, boolean logX,
            boolean logY) {
        Panel(String title, String xTitle, String yTitle, Map<String, List<double[]>> series) {
            this(title, xTitle, yTitle, series, false, false);
        }
    }

    /** Draws the panels side by side into {@code png}: 640×420 for one, 480×400 each for several. */
    static void save(Path png, PrintWriter log, Panel... panels) {
        try {
            boolean one = panels.length == 1;
            BufferedImage[] images = new BufferedImage[panels.length];
            for (int i = 0; i < panels.length; i++) {
                images[i] = BitmapEncoder.getBufferedImage(chart(panels[i], one ? 640 : 480, one ? 420 : 400));
            }
            BufferedImage all = new BufferedImage(panels.length * images[0].getWidth(), images[0].getHeight(),
                    BufferedImage.TYPE_INT_RGB);
            Graphics2D g = all.createGraphics();
            for (int i = 0; i < images.length; i++) g.drawImage(images[i], i * images[0].getWidth(), 0, null);
            g.dispose();
            ImageIO.write(all, "png", png.toFile());
        } catch (Exception | LinkageError | java.awt.AWTError e) {
            log.printf("could not draw %s (%s); the CSV holds the same curves%n", png, e);
        }
    }

    /** Series colours, one per group (the part of a series name before ", "), in name order. */
    private static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b};

    private static XYChart chart(Panel p, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(p.title()).xAxisTitle(p.xTitle())
                .yAxisTitle(p.yTitle()).build();
        c.getStyler().setXAxisLogarithmic(p.logX());
        c.getStyler().setYAxisLogarithmic(p.logY());
        List<String> groups = new TreeMap<>(p.series()).keySet().stream().map(Plots::group).distinct().toList();
        new TreeMap<>(p.series()).forEach((name, points) -> c.addSeries(name,
                points.stream().map(r -> r[0]).toList(), points.stream().map(r -> r[1]).toList())
                .setMarker(SeriesMarkers.NONE)
                .setLineColor(new java.awt.Color(PALETTE[groups.indexOf(group(name)) % PALETTE.length])));
        return c;
    }

    /** "with BN, max" and "with BN, min" are one group, drawn in one colour. */
    private static String group(String series) {
        int comma = series.indexOf(", ");
        return comma < 0 ? series : series.substring(0, comma);
    }

    /** Points {row[0], row[column]} of each row: one curve out of a table whose first column is x. */
    static List<double[]> column(List<double[]> rows, int column) {
        return rows.stream().map(r -> new double[] {r[0], r[column]}).toList();
    }
}
