package org.clengine.cli;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.Activation;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.Flatten;
import org.clengine.nn.Init;
import org.clengine.nn.Linear;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.tensor.Tensor;
import org.clengine.train.Trainer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Ioffe &amp; Szegedy 2015, §4.1, Fig. 1: a 784-100-100-100-10 network of sigmoid units trained on MNIST with
 * mini-batches of 60, without and with batch norm before each sigmoid, from the same initial weights (the same
 * seed) and the same batch order. At each checkpoint: test accuracy, and the 15th/50th/85th percentiles of the
 * input of the last hidden layer's first sigmoid over a fixed probe set of test images (eval mode).
 */
final class BnPaperMnist {
    static final int BATCH = 60;
    static final int HIDDEN = 100;
    static final int PROBE_IMAGES = 1000;
    static final int NEURON = 0;

    /** One checkpoint of one run. */
    record Point(long step, double accuracy, double p15, double p50, double p85) {
    }

    private final Backend backend;
    private final Dataset train;
    private final Dataset test;
    private final int steps;
    private final int checkpoints;
    private final long seed;
    private final double lr;
    private final boolean quiet;
    private final PrintWriter log;

    BnPaperMnist(Backend backend, Dataset train, Dataset test, int steps, int checkpoints, long seed, double lr,
            boolean quiet, PrintWriter log) {
        this.backend = backend;
        this.train = train;
        this.test = test;
        this.steps = steps;
        this.checkpoints = Math.min(checkpoints, steps);
        this.seed = seed;
        this.lr = lr;
        this.quiet = quiet;
        this.log = log;
    }

    void run(Path out) throws IOException {
        log.printf(Locale.ROOT, "bn-paper-mnist: 784-100-100-100-10 sigmoid MLP, batch %d, %d steps, SGD lr %s "
                + "(constant, no momentum, no weight decay), seed %d (weights and batch order, both runs), on %s%n",
                BATCH, steps, lr, seed, backend.name());
        log.printf(Locale.ROOT, "  %s: %d training / %d test images; probe: sigmoid %d of the last hidden layer on "
                + "the first %d test images%n", train.name(), train.count(), test.count(), NEURON,
                Math.min(PROBE_IMAGES, test.count()));
        log.flush();
        List<Point> plain = train(false);
        List<Point> bn = train(true);
        write(out, plain, bn);
        try {
            plot(out, plain, bn);
        } catch (Exception | LinkageError | java.awt.AWTError e) {
            log.printf("could not draw bn-paper-mnist.png (%s); the CSVs hold the same curves%n", e);
        }
        Point a = plain.get(plain.size() - 1);
        Point c = bn.get(bn.size() - 1);
        log.printf(Locale.ROOT, "test accuracy after %d steps: without BN %.2f%%, with BN %.2f%%%n", steps,
                100 * a.accuracy(), 100 * c.accuracy());
        log.printf("wrote %s/{accuracy.csv, sigmoid-input.csv, bn-paper-mnist.png}%n", out);
    }

    /** One network trained for {@code steps} steps; checkpoints at step 0 and every steps/checkpoints. */
    private List<Point> train(boolean batchNorm) {
        List<Point> points = new ArrayList<>();
        long start = System.nanoTime();
        try (Sequential net = build(batchNorm);
                Sgd sgd = new Sgd(net.parameters(), lr, 0, 0);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(lr), BATCH);
                ProgressBar bar = quiet ? null : new ProgressBarBuilder()
                        .setTaskName(batchNorm ? "with BN   " : "without BN").setInitialMax(steps)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1).build()) {
            Batches batches = new Batches(train, BATCH, true);
            int epoch = 1;
            batches.shuffle(seed, epoch);
            points.add(checkpoint(net, trainer, 0));
            for (int s = 1, b = 0; s <= steps; s++, b++) {
                if (b == batches.count()) {
                    batches.shuffle(seed, ++epoch);
                    b = 0;
                }
                Trainer.Step st = trainer.trainStep(batches, b);
                if ((long) s * checkpoints % steps < checkpoints) {
                    points.add(checkpoint(net, trainer, s));
                }
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f test acc %5.2f%%", st.loss(),
                            100 * points.get(points.size() - 1).accuracy()));
                }
            }
        }
        log.printf(Locale.ROOT, "%s: %.1f s%n", batchNorm ? "with BN" : "without BN",
                (System.nanoTime() - start) / 1e9);
        log.flush();
        return points;
    }

    /** Flatten → [linear 100, (BN), sigmoid] × 3 → linear 10; a linear layer followed by BN has no bias. */
    Sequential build(boolean batchNorm) {
        Init init = new Init(seed);
        List<Module> m = new ArrayList<>();
        m.add(new Flatten(backend));
        int in = train.imageSize();
        for (int i = 0; i < 3; i++) {
            m.add(new Linear(backend, in, HIDDEN, !batchNorm, init));
            if (batchNorm) m.add(BatchNorm.batchNorm1d(backend, HIDDEN));
            m.add(Activation.sigmoid(backend));
            in = HIDDEN;
        }
        m.add(new Linear(backend, HIDDEN, train.classes(), true, init));
        return new Sequential(backend, m);
    }

    private Point checkpoint(Sequential net, Trainer trainer, long step) {
        double acc = trainer.evaluate(test).accuracy();
        float[] v = sigmoidInput(net);
        Arrays.sort(v);
        return new Point(step, acc, percentile(v, 15), percentile(v, 50), percentile(v, 85));
    }

    /** The input of the last sigmoid's unit NEURON for each probe image, in eval mode. */
    private float[] sigmoidInput(Sequential net) {
        int n = Math.min(PROBE_IMAGES, test.count());
        List<Module> modules = net.modules();
        int last = modules.size() - 2;
        net.eval();
        try (Tensor images = backend.tensor(Arrays.copyOf(test.images(), n * test.imageSize()), n, test.channels(),
                test.height(), test.width())) {
            Tensor t = images;
            for (int i = 0; i < last; i++) t = modules.get(i).forward(t);
            float[] all = t.toArray();
            float[] unit = new float[n];
            for (int i = 0; i < n; i++) unit[i] = all[i * HIDDEN + NEURON];
            return unit;
        } finally {
            net.train();
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(float[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static void write(Path out, List<Point> plain, List<Point> bn) throws IOException {
        StringBuilder acc = new StringBuilder("step,test_accuracy_without_bn,test_accuracy_with_bn\n");
        StringBuilder sig = new StringBuilder("step,bn,p15,p50,p85\n");
        for (int i = 0; i < plain.size(); i++) {
            acc.append(String.format(Locale.ROOT, "%d,%.6f,%.6f%n", plain.get(i).step(), plain.get(i).accuracy(),
                    bn.get(i).accuracy()));
        }
        for (List<Point> run : List.of(plain, bn)) {
            for (Point p : run) {
                sig.append(String.format(Locale.ROOT, "%d,%b,%.6f,%.6f,%.6f%n", p.step(), run == bn, p.p15(), p.p50(),
                        p.p85()));
            }
        }
        Files.writeString(out.resolve("accuracy.csv"), acc);
        Files.writeString(out.resolve("sigmoid-input.csv"), sig);
    }

    private static void plot(Path out, List<Point> plain, List<Point> bn) throws IOException {
        XYChart a = new XYChartBuilder().width(480).height(400).title("(a) test accuracy").xAxisTitle("step")
                .yAxisTitle("accuracy").build();
        a.addSeries("without BN", steps(plain), plain.stream().map(Point::accuracy).toList())
                .setMarker(SeriesMarkers.NONE);
        a.addSeries("with BN", steps(bn), bn.stream().map(Point::accuracy).toList()).setMarker(SeriesMarkers.NONE);
        BufferedImage[] panels = {BitmapEncoder.getBufferedImage(a),
            BitmapEncoder.getBufferedImage(percentiles("(b) without BN", plain)),
            BitmapEncoder.getBufferedImage(percentiles("(c) with BN", bn))};
        BufferedImage all = new BufferedImage(3 * panels[0].getWidth(), panels[0].getHeight(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        for (int i = 0; i < 3; i++) g.drawImage(panels[i], i * panels[0].getWidth(), 0, null);
        g.dispose();
        ImageIO.write(all, "png", out.resolve("bn-paper-mnist.png").toFile());
    }

    private static XYChart percentiles(String title, List<Point> run) {
        XYChart c = new XYChartBuilder().width(480).height(400).title(title + ": sigmoid input").xAxisTitle("step")
                .yAxisTitle("input").build();
        c.addSeries("85th", steps(run), run.stream().map(Point::p85).toList()).setMarker(SeriesMarkers.NONE);
        c.addSeries("50th", steps(run), run.stream().map(Point::p50).toList()).setMarker(SeriesMarkers.NONE);
        c.addSeries("15th", steps(run), run.stream().map(Point::p15).toList()).setMarker(SeriesMarkers.NONE);
        return c;
    }

    private static List<Double> steps(List<Point> run) {
        return run.stream().map(p -> (double) p.step()).toList();
    }
}
