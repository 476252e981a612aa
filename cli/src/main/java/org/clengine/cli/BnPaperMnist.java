package org.clengine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.clengine.backend.Backend;
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
import org.clengine.core.Tensor;
import org.clengine.train.Trainer;

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

    private final ExperimentSetup setup;

    BnPaperMnist(ExperimentSetup setup) {
        this.setup = setup;
    }

    void run(Path out) throws IOException {
        PrintWriter log = setup.log();
        log.printf(Locale.ROOT, "bn-paper-mnist: 784-100-100-100-10 sigmoid MLP, batch %d, %d steps, SGD lr %s "
                + "(constant, no momentum, no weight decay), seed %d (weights and batch order, both runs), on %s%n",
                setup.batch(), setup.steps(), setup.lr(), setup.seed(), setup.backend().name());
        log.printf(Locale.ROOT, "  %s: %d training / %d test images; probe: sigmoid %d of the last hidden layer on "
                + "the first %d test images%n", setup.train().name(), setup.train().count(), setup.test().count(),
                NEURON, Math.min(PROBE_IMAGES, setup.test().count()));
        log.flush();
        List<Point> plain = train(false);
        List<Point> bn = train(true);
        write(out, plain, bn);
        Plots.save(out.resolve("bn-paper-mnist.png"), log,
                new Plots.Panel("(a) test accuracy", "step", "accuracy", Map.of("without BN",
                        curve(plain, Point::accuracy), "with BN", curve(bn, Point::accuracy))),
                percentiles("(b) without BN", plain), percentiles("(c) with BN", bn));
        Point a = plain.get(plain.size() - 1);
        Point c = bn.get(bn.size() - 1);
        log.printf(Locale.ROOT, "test accuracy after %d steps: without BN %.2f%%, with BN %.2f%%%n", setup.steps(),
                100 * a.accuracy(), 100 * c.accuracy());
        log.printf("wrote %s/{accuracy.csv, sigmoid-input.csv, bn-paper-mnist.png}%n", out);
    }

    /** One network trained for {@code steps} steps; checkpoints at step 0 and every steps/checkpoints. */
    private List<Point> train(boolean batchNorm) {
        List<Point> points = new ArrayList<>();
        long start = System.nanoTime();
        try (Sequential net = build(batchNorm);
                Sgd sgd = new Sgd(net.parameters(), setup.lr(), 0, 0);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(setup.lr()), setup.batch())) {
            setup.train(trainer, batchNorm ? "with BN   " : "without BN", (step, batches, next) -> {
                points.add(checkpoint(net, trainer, step));
                return String.format(Locale.ROOT, "test acc %5.2f%%", 100 * points.get(points.size() - 1)
                        .accuracy());
            }, null);
        }
        setup.log().printf(Locale.ROOT, "%s: %.1f s%n", batchNorm ? "with BN" : "without BN",
                (System.nanoTime() - start) / 1e9);
        setup.log().flush();
        return points;
    }

    /** Flatten → [linear 100, (BN), sigmoid] × 3 → linear 10; a linear layer followed by BN has no bias. */
    Sequential build(boolean batchNorm) {
        Backend backend = setup.backend();
        Init init = new Init(setup.seed());
        List<Module> m = new ArrayList<>();
        m.add(new Flatten(backend));
        int in = setup.train().imageSize();
        for (int i = 0; i < 3; i++) {
            m.add(new Linear(backend, in, HIDDEN, !batchNorm, init));
            if (batchNorm) m.add(BatchNorm.batchNorm1d(backend, HIDDEN));
            m.add(Activation.sigmoid(backend));
            in = HIDDEN;
        }
        m.add(new Linear(backend, HIDDEN, setup.train().classes(), true, init));
        return new Sequential(backend, m);
    }

    private Point checkpoint(Sequential net, Trainer trainer, long step) {
        double acc = trainer.evaluate(setup.test()).accuracy();
        float[] v = sigmoidInput(net);
        Arrays.sort(v);
        return new Point(step, acc, percentile(v, 15), percentile(v, 50), percentile(v, 85));
    }

    /** The input of the last sigmoid's unit NEURON for each probe image, in eval mode. */
    private float[] sigmoidInput(Sequential net) {
        Dataset test = setup.test();
        int n = Math.min(PROBE_IMAGES, test.count());
        List<Module> modules = net.modules();
        int last = modules.size() - 2;
        net.eval();
        try (Tensor images = setup.backend().tensor(Arrays.copyOf(test.images(), n * test.imageSize()), n,
                test.channels(), test.height(), test.width())) {
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
        CsvTable acc = new CsvTable("step", "test_accuracy_without_bn", "test_accuracy_with_bn");
        for (int i = 0; i < plain.size(); i++) {
            acc.row(plain.get(i).step(), plain.get(i).accuracy(), bn.get(i).accuracy());
        }
        CsvTable sig = new CsvTable("step", "bn", "p15", "p50", "p85");
        for (List<Point> run : List.of(plain, bn)) {
            for (Point p : run) sig.row(p.step(), run == bn, p.p15(), p.p50(), p.p85());
        }
        acc.write(out.resolve("accuracy.csv"));
        sig.write(out.resolve("sigmoid-input.csv"));
    }

    private static Plots.Panel percentiles(String title, List<Point> run) {
        return new Plots.Panel(title + ": sigmoid input", "step", "input", Map.of("85th", curve(run, Point::p85),
                "50th", curve(run, Point::p50), "15th", curve(run, Point::p15)));
    }

    private static List<double[]> curve(List<Point> run, ToDoubleFunction<Point> y) {
        return run.stream().map(p -> new double[] {p.step(), y.applyAsDouble(p)}).toList();
    }
}
