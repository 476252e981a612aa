package org.clengine.cli;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.Module;
import org.clengine.train.Trainer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * train's curves: {@code epochs.csv} (one row per epoch), {@code steps.csv} (one row per step) and
 * {@code curves.png} (loss and accuracy against epochs: the training steps averaged in windows, the per-epoch
 * training means, the test set after each epoch).
 */
final class TrainReport {
    record Epoch(int epoch, Trainer.Metrics train, Trainer.Metrics test, double lr) {
    }

    private final List<Trainer.Step> steps = new ArrayList<>();
    private final List<Epoch> epochs = new ArrayList<>();
    private final int stepsPerEpoch;

    TrainReport(int stepsPerEpoch) {
        this.stepsPerEpoch = stepsPerEpoch;
    }

    void step(Trainer.Step s) {
        steps.add(s);
    }

    void epoch(Epoch e) {
        epochs.add(e);
    }

    double lastTestAccuracy() {
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).test().accuracy();
    }

    /** Training images per second over every epoch's training steps (evaluation excluded). */
    double imagesPerSecond() {
        return epochs.stream().mapToDouble(e -> e.train().images()).sum()
                / epochs.stream().mapToDouble(e -> e.train().seconds()).sum();
    }

    /** Every BatchNorm in {@code net}, by its dotted path (as in the state file). */
    static Map<String, BatchNorm> batchNorms(Module net) {
        Map<String, BatchNorm> out = new LinkedHashMap<>();
        collect(net, "", out);
        return out;
    }

    private static void collect(Module m, String path, Map<String, BatchNorm> out) {
        if (m instanceof BatchNorm bn) out.put(path, bn);
        m.children().forEach((name, child) -> collect(child, path.isEmpty() ? name : path + "." + name, out));
    }

    /**
     * The summary's batch-norm line: the running-statistics policy and the updates it skipped, per layer where
     * any were (a layer's count is its channels' skipped updates added up).
     */
    static String batchNormLine(Map<String, BatchNorm> layers) {
        if (layers.isEmpty()) return "";
        long total = 0;
        StringBuilder which = new StringBuilder();
        for (var e : layers.entrySet()) {
            long skipped = e.getValue().skippedUpdates();
            total += skipped;
            if (skipped > 0) which.append(which.isEmpty() ? " (" : ", ").append(e.getKey()).append(": ")
                    .append(skipped);
        }
        if (!which.isEmpty()) which.append(')');
        String policy = layers.values().iterator().next().runningUpdate().name().toLowerCase(Locale.ROOT);
        return String.format(Locale.ROOT, "batch norm running statistics (policy %s, %d layers): %d channel "
                + "updates skipped%s", policy, layers.size(), total, which);
    }

    /** epochs.csv and steps.csv. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("epoch,train_loss,train_accuracy,test_loss,test_accuracy,"
                + "train_images_per_s,train_seconds,lr_at_end\n");
        for (Epoch e : epochs) {
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.1f,%.2f,%.6g%n", e.epoch(),
                    e.train().loss(), e.train().accuracy(), e.test().loss(), e.test().accuracy(),
                    e.train().imagesPerSecond(), e.train().seconds(), e.lr()));
        }
        Files.writeString(dir.resolve("epochs.csv"), csv);
        StringBuilder s = new StringBuilder("step,images,loss,correct,lr\n");
        for (Trainer.Step t : steps) {
            s.append(String.format(Locale.ROOT, "%d,%d,%.6f,%d,%.6g%n", t.index(), t.size(), t.loss(), t.correct(),
                    t.lr()));
        }
        Files.writeString(dir.resolve("steps.csv"), s);
    }

    /** curves.png; AWT needs fontconfig and a font (Debian's JRE pulls both in). */
    void plot(Path dir) throws IOException {
        Files.createDirectories(dir);
        BufferedImage loss = BitmapEncoder.getBufferedImage(chart("loss", true));
        BufferedImage acc = BitmapEncoder.getBufferedImage(chart("accuracy (%)", false));
        BufferedImage both = new BufferedImage(loss.getWidth() + acc.getWidth(), loss.getHeight(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(loss, 0, 0, null);
        g.drawImage(acc, loss.getWidth(), 0, null);
        g.dispose();
        ImageIO.write(both, "png", dir.resolve("curves.png").toFile());
    }

    private XYChart chart(String title, boolean isLoss) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("epoch").yAxisTitle(title)
                .build();
        c.getStyler().setLegendPosition(isLoss ? Styler.LegendPosition.InsideNE : Styler.LegendPosition.InsideSE);
        int window = Math.max(1, stepsPerEpoch / 20);
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i + window <= steps.size(); i += window) {
            double v = 0;
            int n = 0;
            for (int j = i; j < i + window; j++) {
                Trainer.Step t = steps.get(j);
                v += isLoss ? t.loss() * t.size() : 100.0 * t.correct();
                n += t.size();
            }
            x.add((i + window) / (double) stepsPerEpoch);
            y.add(v / n);
        }
        if (!x.isEmpty()) {
            XYSeries s = c.addSeries("train (steps, mean of " + window + ")", x, y);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (!epochs.isEmpty()) {
            List<Double> ex = new ArrayList<>();
            List<Double> train = new ArrayList<>();
            List<Double> test = new ArrayList<>();
            for (Epoch e : epochs) {
                ex.add((double) e.epoch());
                train.add(isLoss ? e.train().loss() : 100 * e.train().accuracy());
                test.add(isLoss ? e.test().loss() : 100 * e.test().accuracy());
            }
            c.addSeries("train (epoch mean)", ex, train);
            c.addSeries("test", ex, test);
        }
        return c;
    }
}
