package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.ModuleSnapshot;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.core.Tensor;
import org.clengine.train.Models;
import org.clengine.train.Trainer;

/**
 * The experiments on {@code train}'s CNN: {@code bn-placement} (batch norm before vs after the ReLU, same seed,
 * same batches, test accuracy over training), {@code train-vs-eval} (test accuracy with batch statistics, with
 * the running statistics, and with untracked running statistics, and the gap between train-mode and eval-mode
 * outputs, over early training) and {@code lr-sweep} (final accuracy vs learning rate, with and without BN).
 * {@code smoothness} runs on the same network in {@link SmoothnessExperiment}.
 */
final class CnnExperiments {
    static final int BATCH = 64;

    private final ExperimentSetup setup;

    CnnExperiments(ExperimentSetup setup) {
        this.setup = setup;
    }

    private void header(String name) {
        setup.log().println(name + ": " + setup.describe("train's CNN", (name.equals("lr-sweep")
                ? Arrays.toString(SWEEP) : Double.toString(setup.lr())) + " momentum 0.9 (constant)"));
        setup.log().flush();
    }

    void bnPlacement(Path out) throws IOException {
        header("bn-placement");
        Map<Models.Norm, List<double[]>> curves = new java.util.EnumMap<>(Models.Norm.class);
        for (Models.Norm norm : List.of(Models.Norm.BEFORE_RELU, Models.Norm.AFTER_RELU)) {
            List<double[]> rows = new ArrayList<>();
            try (Sequential net = setup.cnn(norm);
                    Sgd sgd = new Sgd(net.parameters(), setup.lr(), 0.9, 0);
                    Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(setup.lr()), setup.batch())) {
                setup.train(trainer, norm.name().toLowerCase(Locale.ROOT), (s, batches, next) -> {
                    Trainer.Metrics m = trainer.evaluate(setup.test());
                    rows.add(new double[] {s, m.accuracy(), m.loss()});
                    return null;
                }, null);
            }
            curves.put(norm, rows);
        }
        CsvTable csv = new CsvTable("step", "test_accuracy_bn_before_relu", "test_accuracy_bn_after_relu",
                "test_loss_bn_before_relu", "test_loss_bn_after_relu");
        List<double[]> a = curves.get(Models.Norm.BEFORE_RELU), b = curves.get(Models.Norm.AFTER_RELU);
        for (int i = 0; i < a.size(); i++) {
            csv.row((long) a.get(i)[0], a.get(i)[1], b.get(i)[1], a.get(i)[2], b.get(i)[2]);
        }
        csv.write(out.resolve("bn-placement.csv"));
        Plots.save(out.resolve("bn-placement.png"), setup.log(), new Plots.Panel("test accuracy", "step",
                "test accuracy", Map.of("BN before ReLU", a, "BN after ReLU", b)));
        setup.log().printf(Locale.ROOT, "test accuracy after %d steps: BN before ReLU %.2f%%, after ReLU %.2f%%%n",
                setup.steps(), 100 * a.get(a.size() - 1)[1], 100 * b.get(b.size() - 1)[1]);
        setup.log().printf("wrote %s/{bn-placement.csv, bn-placement.png}%n", out);
    }

    /** Learning rates of lr-sweep: three and a half orders of magnitude, about ×3 apart. */
    static final double[] SWEEP = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0};

    /**
     * lr-sweep: with and without BN, one run per learning rate at the same budget and seed; the final test accuracy,
     * and whether the run diverged (a non-finite training loss, or a final loss above the untrained network's ln 10).
     */
    void lrSweep(Path out) throws IOException {
        header("lr-sweep");
        CsvTable csv = new CsvTable("lr", "bn", "test_accuracy", "final_train_loss", "diverged");
        Map<String, List<double[]>> series = new HashMap<>();
        for (Models.Norm norm : List.of(Models.Norm.BEFORE_RELU, Models.Norm.NONE)) {
            String label = norm == Models.Norm.NONE ? "without BN" : "with BN";
            List<double[]> rows = new ArrayList<>();
            for (double rate : SWEEP) {
                double[] loss = {Double.NaN};
                boolean[] nonFinite = {false};
                double acc;
                try (Sequential net = setup.cnn(norm);
                        Sgd sgd = new Sgd(net.parameters(), rate, 0.9, 0);
                        Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(rate), setup.batch())) {
                    setup.train(trainer, label + " lr " + rate, null, st -> {
                        loss[0] = st.loss();
                        if (!Double.isFinite(st.loss())) nonFinite[0] = true;
                    });
                    acc = trainer.evaluate(setup.test()).accuracy();
                }
                boolean diverged = nonFinite[0] || !(loss[0] < Math.log(setup.train().classes()));
                csv.row(Double.toString(rate), norm != Models.Norm.NONE, acc, loss[0], diverged);
                rows.add(new double[] {rate, acc});
                setup.log().printf(Locale.ROOT, "  %s, lr %s: test accuracy %.2f%%, last training loss %.4f%s%n",
                        label, rate, 100 * acc, loss[0], diverged ? " (diverged)" : "");
                setup.log().flush();
            }
            series.put(label, rows);
        }
        csv.write(out.resolve("lr-sweep.csv"));
        Plots.save(out.resolve("lr-sweep.png"), setup.log(), new Plots.Panel("final test accuracy vs learning rate",
                "learning rate", "test accuracy", series, true, false));
        setup.log().printf("wrote %s/{lr-sweep.csv, lr-sweep.png}%n", out);
    }

    /**
     * train-vs-eval: at each checkpoint the test images classified in train mode (batch statistics), in eval mode
     * (running statistics) and in eval mode on untracked running statistics; and how far the train-mode logits are
     * from the eval-mode ones.
     */
    void trainVsEval(Path out) throws IOException {
        header("train-vs-eval");
        List<double[]> rows = new ArrayList<>();
        try (Sequential net = setup.cnn(Models.Norm.BEFORE_RELU);
                Sgd sgd = new Sgd(net.parameters(), setup.lr(), 0.9, 0);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(setup.lr()), setup.batch())) {
            setup.train(trainer, "train-vs-eval", (s, batches, next) -> {
                float[] trainMode = testLogits(net, true);
                float[] evalMode = testLogits(net, false);
                OutputGap gap = OutputGap.of(trainMode, evalMode, setup.test().classes());
                rows.add(new double[] {s, accuracy(trainMode), trainer.evaluate(setup.test()).accuracy(),
                    untrackedAccuracy(net, trainer), gap.meanAbs(), gap.relativeL2(), gap.disagreement()});
                return null;
            }, null);
        }
        CsvTable csv = new CsvTable("step", "test_accuracy_train_mode", "test_accuracy_eval_mode",
                "test_accuracy_eval_untracked", "logit_gap_mean_abs", "logit_gap_relative_l2",
                "prediction_disagreement");
        for (double[] r : rows) csv.row((long) r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
        csv.write(out.resolve("train-vs-eval.csv"));
        Plots.save(out.resolve("train-vs-eval.png"), setup.log(),
                new Plots.Panel("test accuracy", "step", "test accuracy", Map.of(
                        "train mode (batch statistics)", Plots.column(rows, 1),
                        "eval mode (running statistics)", Plots.column(rows, 2),
                        "eval mode, untracked statistics", Plots.column(rows, 3))),
                new Plots.Panel("train-mode vs eval-mode outputs", "step", "gap", Map.of(
                        "relative L2 gap of the logits", Plots.column(rows, 5),
                        "share of predictions that differ", Plots.column(rows, 6)), false, true));
        double[] last = rows.get(rows.size() - 1);
        setup.log().printf(Locale.ROOT, "test accuracy after %d steps: train mode %.2f%%, eval mode %.2f%%, eval mode "
                + "on untracked statistics %.2f%%; train/eval logit gap: relative L2 %.4f, mean |difference| %.4f, "
                + "predictions differing %.2f%%%n", setup.steps(), 100 * last[1], 100 * last[2], 100 * last[3],
                last[5], last[4], 100 * last[6]);
        setup.log().printf("wrote %s/{train-vs-eval.csv, train-vs-eval.png}%n", out);
    }

    /** How far train-mode logits are from eval-mode ones over the test set. */
    record OutputGap(double meanAbs, double relativeL2, double disagreement) {
        /** Mean |a − b| per logit, ‖a − b‖₂ / ‖b‖₂ over all logits, and the share of images whose argmax differs. */
        static OutputGap of(float[] a, float[] b, int classes) {
            double abs = 0, diff2 = 0, norm2 = 0;
            for (int i = 0; i < a.length; i++) {
                double d = a[i] - b[i];
                abs += Math.abs(d);
                diff2 += d * d;
                norm2 += (double) b[i] * b[i];
            }
            int images = a.length / classes, differ = 0;
            for (int i = 0; i < images; i++) {
                if (argmax(a, i * classes, classes) != argmax(b, i * classes, classes)) differ++;
            }
            return new OutputGap(abs / a.length, Math.sqrt(diff2 / norm2), (double) differ / images);
        }
    }

    /**
     * The logits of every test image, batch by batch (batches of 64 in file order), in train mode (each batch
     * normalized by its own statistics; the model's state is restored afterwards) or in eval mode.
     */
    private float[] testLogits(Sequential net, boolean trainMode) {
        Dataset test = setup.test();
        ModuleSnapshot saved = trainMode ? ModuleSnapshot.of(net) : null;
        if (!trainMode) net.eval();
        Batches batches = new Batches(test, BATCH, false);
        float[] host = new float[BATCH * test.imageSize()];
        float[] labels = new float[BATCH];
        float[] logits = new float[test.count() * test.classes()];
        for (int b = 0; b < batches.count(); b++) {
            int n = batches.size(b);
            batches.fill(b, host, labels);
            try (Tensor x = setup.backend().tensor(Arrays.copyOf(host, n * test.imageSize()), n, test.channels(),
                    test.height(), test.width())) {
                float[] y = net.forward(x).toArray();
                System.arraycopy(y, 0, logits, b * BATCH * test.classes(), n * test.classes());
            }
        }
        net.train();
        if (saved != null) saved.restore();
        return logits;
    }

    /** The share of test images whose largest logit is at their label. */
    private double accuracy(float[] logits) {
        Dataset test = setup.test();
        long correct = 0;
        for (int i = 0; i < test.count(); i++) {
            if (argmax(logits, i * test.classes(), test.classes()) == test.labels()[i]) correct++;
        }
        return (double) correct / test.count();
    }

    /** Eval-mode accuracy with the running statistics at their defaults (mean 0, variance 1, 0 batches tracked). */
    private double untrackedAccuracy(Sequential net, Trainer trainer) {
        ModuleSnapshot saved = ModuleSnapshot.of(net);
        net.buffers().forEach((k, t) -> {
            float[] v = new float[t.size()];
            if (k.endsWith("running_var")) Arrays.fill(v, 1f);
            t.copyFrom(v);
        });
        net.counters().keySet().forEach(k -> net.setCounter(k, 0));
        double acc = trainer.evaluate(setup.test()).accuracy();
        saved.restore();
        return acc;
    }

    private static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[from + i] > v[from + best]) best = i;
        return best;
    }
}
