package org.clengine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.tensor.Tensor;
import org.clengine.train.Models;
import org.clengine.train.Trainer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiments on {@code train}'s CNN: {@code bn-placement} (batch norm before vs after the ReLU, same seed,
 * same batches, test accuracy over training) and {@code train-vs-eval} (test accuracy with batch statistics, with
 * the running statistics, and with untracked running statistics, over early training).
 */
final class CnnExperiments {
    static final int BATCH = 64;

    private final Backend backend;
    private final Dataset train;
    private final Dataset test;
    private final int steps;
    private final int checkpoints;
    private final long seed;
    private final double lr;
    private final boolean quiet;
    private final PrintWriter log;

    CnnExperiments(Backend backend, Dataset train, Dataset test, int steps, int checkpoints, long seed, double lr,
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

    private void header(String name) {
        log.printf(Locale.ROOT, "%s: train's CNN, batch %d, %d steps, SGD lr %s momentum 0.9 (constant), seed %d "
                + "(weights and batch order, every run), %d training / %d test images, on %s%n", name, BATCH, steps,
                name.equals("lr-sweep") ? java.util.Arrays.toString(SWEEP) : lr, seed, train.count(), test.count(),
                backend.name());
        log.flush();
    }

    void bnPlacement(Path out) throws IOException {
        header("bn-placement");
        Map<Models.Norm, List<double[]>> curves = new java.util.EnumMap<>(Models.Norm.class);
        for (Models.Norm norm : List.of(Models.Norm.BEFORE_RELU, Models.Norm.AFTER_RELU)) {
            List<double[]> rows = new ArrayList<>();
            try (Sequential net = Models.build(Models.Kind.CNN, backend, train.channels(), train.height(),
                    train.width(), train.classes(), norm, seed);
                    Sgd sgd = new Sgd(net.parameters(), lr, 0.9, 0);
                    Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(lr), BATCH)) {
                run(trainer, norm.name().toLowerCase(Locale.ROOT), s -> {
                    Trainer.Metrics m = trainer.evaluate(test);
                    rows.add(new double[] {s, m.accuracy(), m.loss()});
                });
            }
            curves.put(norm, rows);
        }
        StringBuilder csv = new StringBuilder("step,test_accuracy_bn_before_relu,test_accuracy_bn_after_relu,"
                + "test_loss_bn_before_relu,test_loss_bn_after_relu\n");
        List<double[]> a = curves.get(Models.Norm.BEFORE_RELU), b = curves.get(Models.Norm.AFTER_RELU);
        for (int i = 0; i < a.size(); i++) {
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f%n", (long) a.get(i)[0], a.get(i)[1],
                    b.get(i)[1], a.get(i)[2], b.get(i)[2]));
        }
        Files.writeString(out.resolve("bn-placement.csv"), csv);
        plot(out.resolve("bn-placement.png"), "test accuracy", Map.of("BN before ReLU", a, "BN after ReLU", b));
        log.printf(Locale.ROOT, "test accuracy after %d steps: BN before ReLU %.2f%%, after ReLU %.2f%%%n", steps,
                100 * a.get(a.size() - 1)[1], 100 * b.get(b.size() - 1)[1]);
        log.printf("wrote %s/{bn-placement.csv, bn-placement.png}%n", out);
    }

    /** Learning rates of lr-sweep: three and a half orders of magnitude, about ×3 apart. */
    static final double[] SWEEP = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0};

    /**
     * lr-sweep: with and without BN, one run per learning rate at the same budget and seed; the final test accuracy,
     * and whether the run diverged (a non-finite training loss, or a final loss above the untrained network's ln 10).
     */
    void lrSweep(Path out) throws IOException {
        header("lr-sweep");
        StringBuilder csv = new StringBuilder("lr,bn,test_accuracy,final_train_loss,diverged\n");
        Map<String, List<double[]>> series = new HashMap<>();
        for (Models.Norm norm : List.of(Models.Norm.BEFORE_RELU, Models.Norm.NONE)) {
            String label = norm == Models.Norm.NONE ? "without BN" : "with BN";
            List<double[]> rows = new ArrayList<>();
            for (double rate : SWEEP) {
                double[] loss = {Double.NaN};
                boolean[] nonFinite = {false};
                double acc;
                try (Sequential net = Models.build(Models.Kind.CNN, backend, train.channels(), train.height(),
                        train.width(), train.classes(), norm, seed);
                        Sgd sgd = new Sgd(net.parameters(), rate, 0.9, 0);
                        Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(rate), BATCH)) {
                    runSteps(trainer, label + " lr " + rate, st -> {
                        loss[0] = st.loss();
                        if (!Double.isFinite(st.loss())) nonFinite[0] = true;
                    });
                    acc = trainer.evaluate(test).accuracy();
                }
                boolean diverged = nonFinite[0] || !(loss[0] < Math.log(train.classes()));
                csv.append(String.format(Locale.ROOT, "%s,%b,%.6f,%.6f,%b%n", rate, norm != Models.Norm.NONE, acc,
                        loss[0], diverged));
                rows.add(new double[] {rate, acc});
                log.printf(Locale.ROOT, "  %s, lr %s: test accuracy %.2f%%, last training loss %.4f%s%n", label, rate,
                        100 * acc, loss[0], diverged ? " (diverged)" : "");
                log.flush();
            }
            series.put(label, rows);
        }
        Files.writeString(out.resolve("lr-sweep.csv"), csv);
        plot(out.resolve("lr-sweep.png"), "final test accuracy vs learning rate", series, true);
        log.printf("wrote %s/{lr-sweep.csv, lr-sweep.png}%n", out);
    }

    void trainVsEval(Path out) throws IOException {
        header("train-vs-eval");
        List<double[]> rows = new ArrayList<>();
        try (Sequential net = Models.build(Models.Kind.CNN, backend, train.channels(), train.height(), train.width(),
                train.classes(), Models.Norm.BEFORE_RELU, seed);
                Sgd sgd = new Sgd(net.parameters(), lr, 0.9, 0);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(lr), BATCH)) {
            run(trainer, "train-vs-eval", s -> rows.add(new double[] {s, trainModeAccuracy(net, trainer),
                trainer.evaluate(test).accuracy(), untrackedAccuracy(net, trainer)}));
        }
        StringBuilder csv = new StringBuilder("step,test_accuracy_train_mode,test_accuracy_eval_mode,"
                + "test_accuracy_eval_untracked\n");
        for (double[] r : rows) {
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f%n", (long) r[0], r[1], r[2], r[3]));
        }
        Files.writeString(out.resolve("train-vs-eval.csv"), csv);
        plot(out.resolve("train-vs-eval.png"), "test accuracy", Map.of(
                "train mode (batch statistics)", column(rows, 1), "eval mode (running statistics)", column(rows, 2),
                "eval mode, untracked statistics", column(rows, 3)));
        double[] last = rows.get(rows.size() - 1);
        log.printf(Locale.ROOT, "test accuracy after %d steps: train mode %.2f%%, eval mode %.2f%%, eval mode on "
                + "untracked statistics %.2f%%%n", steps, 100 * last[1], 100 * last[2], 100 * last[3]);
        log.printf("wrote %s/{train-vs-eval.csv, train-vs-eval.png}%n", out);
    }

    /** Accuracy with each test batch normalized by its own statistics; the running statistics are restored. */
    private double trainModeAccuracy(Sequential net, Trainer trainer) {
        Map<String, float[]> saved = save(net);
        Map<String, Long> counters = net.counters();
        Batches batches = new Batches(test, BATCH, false);
        long correct = 0;
        float[] host = new float[BATCH * test.imageSize()];
        float[] labels = new float[BATCH];
        for (int b = 0; b < batches.count(); b++) {
            int n = batches.size(b);
            batches.fill(b, host, labels);
            try (Tensor x = backend.tensor(java.util.Arrays.copyOf(host, n * test.imageSize()), n, test.channels(),
                    test.height(), test.width())) {
                float[] logits = net.forward(x).toArray();
                for (int i = 0; i < n; i++) {
                    if (argmax(logits, i * test.classes(), test.classes()) == labels[i]) correct++;
                }
            }
        }
        restore(net, saved, counters);
        return (double) correct / test.count();
    }

    /** Eval-mode accuracy with the running statistics at their defaults (mean 0, variance 1, 0 batches tracked). */
    private double untrackedAccuracy(Sequential net, Trainer trainer) {
        Map<String, float[]> saved = save(net);
        Map<String, Long> counters = net.counters();
        net.buffers().forEach((k, t) -> {
            float[] v = new float[t.size()];
            if (k.endsWith("running_var")) java.util.Arrays.fill(v, 1f);
            t.copyFrom(v);
        });
        counters.keySet().forEach(k -> net.setCounter(k, 0));
        double acc = trainer.evaluate(test).accuracy();
        restore(net, saved, counters);
        return acc;
    }

    private static Map<String, float[]> save(Sequential net) {
        Map<String, float[]> saved = new HashMap<>();
        net.buffers().forEach((k, t) -> saved.put(k, t.toArray()));
        return saved;
    }

    private static void restore(Sequential net, Map<String, float[]> saved, Map<String, Long> counters) {
        net.buffers().forEach((k, t) -> t.copyFrom(saved.get(k)));
        counters.forEach(net::setCounter);
    }

    private static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[from + i] > v[from + best]) best = i;
        return best;
    }

    /** {@code steps} training steps, {@code onStep} after each, no checkpoints. */
    private void runSteps(Trainer trainer, String task, java.util.function.Consumer<Trainer.Step> onStep) {
        Batches batches = new Batches(train, BATCH, true);
        int epoch = 1;
        batches.shuffle(seed, epoch);
        try (ProgressBar bar = quiet ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1).build()) {
            for (int s = 1, b = 0; s <= steps; s++, b++) {
                if (b == batches.count()) {
                    batches.shuffle(seed, ++epoch);
                    b = 0;
                }
                onStep.accept(trainer.trainStep(batches, b));
                if (bar != null) bar.step();
            }
        }
    }

    /** {@code steps} training steps over reshuffled epochs; {@code checkpoint} at step 0 and every steps/K. */
    private void run(Trainer trainer, String task, LongConsumer checkpoint) {
        Batches batches = new Batches(train, BATCH, true);
        int epoch = 1;
        batches.shuffle(seed, epoch);
        checkpoint.accept(0);
        try (ProgressBar bar = quiet ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1).build()) {
            for (int s = 1, b = 0; s <= steps; s++, b++) {
                if (b == batches.count()) {
                    batches.shuffle(seed, ++epoch);
                    b = 0;
                }
                Trainer.Step st = trainer.trainStep(batches, b);
                if ((long) s * checkpoints % steps < checkpoints) checkpoint.accept(s);
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", st.loss()));
                }
            }
        }
    }

    private static List<double[]> column(List<double[]> rows, int c) {
        return rows.stream().map(r -> new double[] {r[0], r[c]}).toList();
    }

    private static void plot(Path png, String title, Map<String, List<double[]>> series) {
        plot(png, title, series, false);
    }

    private static void plot(Path png, String title, Map<String, List<double[]>> series, boolean logX) {
        try {
            XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(logX ? "learning rate"
                    : "step").yAxisTitle(logX ? "test accuracy" : title).build();
            c.getStyler().setXAxisLogarithmic(logX);
            new java.util.TreeMap<>(series).forEach((name, rows) -> c.addSeries(name,
                    rows.stream().map(r -> r[0]).toList(), rows.stream().map(r -> r[1]).toList())
                    .setMarker(SeriesMarkers.NONE));
            BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (Exception | LinkageError | java.awt.AWTError e) {
            System.err.println("could not draw " + png + " (" + e + "); the CSV holds the same curves");
        }
    }
}
