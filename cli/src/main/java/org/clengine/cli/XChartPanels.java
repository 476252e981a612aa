package org.clengine.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** {@link Plots}' drawing with XChart and AWT; used only on a runtime with java.desktop. */
final class XChartPanels {
    /** Series colours, one per group (the part of a series name before ", "), in name order. */
    private static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b};

    private XChartPanels() {
    }

    static void save(Path png, Plots.Panel... panels) throws IOException {
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
        } catch (java.awt.AWTError e) {
            throw new IOException("no usable AWT: " + e.getMessage(), e);
        }
    }

    private static XYChart chart(Plots.Panel p, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(p.title()).xAxisTitle(p.xTitle())
                .yAxisTitle(p.yTitle()).build();
        c.getStyler().setXAxisLogarithmic(p.logX());
        // a log axis cannot show 0 (a share of 0 differing predictions): then the axis stays linear
        c.getStyler().setYAxisLogarithmic(p.logY() && p.series().values().stream().flatMap(List::stream)
                .allMatch(r -> r[1] > 0));
        List<String> groups = new TreeMap<>(p.series()).keySet().stream().map(XChartPanels::group).distinct()
                .toList();
        new TreeMap<>(p.series()).forEach((name, points) -> c.addSeries(name,
                points.stream().map(r -> r[0]).toList(), points.stream().map(r -> r[1]).toList())
                .setMarker(SeriesMarkers.NONE)
                .setLineColor(new Color(PALETTE[groups.indexOf(group(name)) % PALETTE.length])));
        return c;
    }

    /** "with BN, max" and "with BN, min" are one group, drawn in one colour. */
    private static String group(String series) {
        int comma = series.indexOf(", ");
        return comma < 0 ? series : series.substring(0, comma);
    }
}
