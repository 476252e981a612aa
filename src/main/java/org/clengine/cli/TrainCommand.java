package org.clengine.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.clengine.backend.Backend;
import org.clengine.data.Dataset;
import org.clengine.device.Device;
import org.clengine.device.DeviceManager;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.nn.StateFile;
import org.clengine.opencl.OpenClBackend;
import org.clengine.reference.ReferenceBackend;
import org.clengine.train.Models;
import org.clengine.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./clengine train}: a model on Fashion-MNIST (or any MNIST-format data), with curves and a saved state. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a small CNN with batch norm (or --model mlp|resnet) on Fashion-MNIST with SGD, one "
                + "progress bar per epoch (loss, accuracy, images/s), test accuracy after each epoch; writes "
                + "epochs.csv, steps.csv, curves.png and model.clstate into --out. The same seed on the same device "
                + "gives the same curves.")
final class TrainCommand implements Callable<Integer> {
    enum BackendKind { OPENCL, REFERENCE }

    enum Schedule { COSINE, STEP, CONSTANT }

    @Option(names = "--epochs", defaultValue = "3",
            description = "passes over the training set (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "mini-batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.1", description = "peak learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "5e-4",
            description = "SGD weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "learning rate per step: cosine (to 0 over "
            + "the run), step (×0.1 after each third of the run) or constant (default ${DEFAULT-VALUE})")
    Schedule schedule;

    @Option(names = "--no-bn", description = "no batch norm (convolutions and linear layers get biases)")
    boolean noBn;

    @Option(names = "--bn-after-relu", description = "batch norm after each ReLU instead of before it")
    boolean bnAfterRelu;

    @Option(names = "--model", defaultValue = "cnn",
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Models.Kind model;

    @Option(names = "--device", description = "OpenCL device: gpu, cpu, gpu:1, #2 or a name substring (default: "
            + "-Dclengine.device, CLENGINE_DEVICE or the ranking)")
    String device;

    @Option(names = "--backend", defaultValue = "opencl", description = "opencl or reference (plain Java, slow; "
            + "default ${DEFAULT-VALUE})")
    BackendKind backend;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the initial weights and the shuffling "
            + "(default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "train-out", description = "directory for the CSVs, the plot and the "
            + "model state (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--limit", description = "use only the first N training images")
    Integer limit;

    @Option(names = "--test-limit", description = "evaluate on the first N test images only")
    Integer testLimit;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", description = "directory with "
            + "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-… (default ${DEFAULT-VALUE}, "
            + "Debian's dataset-fashion-mnist)")
    Path data;

    @Option(names = {"-q", "--quiet"}, description = "no progress bars: one line per epoch")
    boolean quiet;

    @Spec
    CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() throws Exception {
        if (noBn && bnAfterRelu) throw new IllegalArgumentException("--no-bn and --bn-after-relu exclude each other");
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1");
        Dataset[] sets = load();
        Dataset train = sets[0], test = sets[1];
        Models.Norm norm = noBn ? Models.Norm.NONE : bnAfterRelu ? Models.Norm.AFTER_RELU : Models.Norm.BEFORE_RELU;
        long wallStart = System.nanoTime();
        try (Device dev = backend == BackendKind.OPENCL ? Device.open((device == null ? DeviceManager.choose()
                : DeviceManager.choose(device)).device()) : null;
                Backend b = dev != null ? new OpenClBackend(dev) : new ReferenceBackend();
                Sequential net = Models.build(model, b, train.channels(), train.height(), train.width(),
                        train.classes(), norm, seed);
                Sgd sgd = new Sgd(net.parameters(), lr, momentum, weightDecay)) {
            int stepsPerEpoch = train.count() / batch;
            if (stepsPerEpoch < 1) {
                throw new IllegalArgumentException("--batch " + batch + " exceeds the " + train.count()
                        + " training images");
            }
            out().printf(Locale.ROOT, "train: %s, %s model (%s batch norm), %d parameters, on %s%n",
                    train.name(), model.label(), norm.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    parameterCount(net), b.name());
            out().printf(Locale.ROOT, "  %d training / %d test images; batch %d, lr %s (%s), momentum %s, "
                    + "weight decay %s, seed %d%n", train.count(), test.count(), batch, lr,
                    schedule.name().toLowerCase(Locale.ROOT), momentum, weightDecay, seed);
            TrainReport report = new TrainReport(stepsPerEpoch);
            try (Trainer trainer = new Trainer(net, sgd, schedule((long) stepsPerEpoch * epochs), batch)) {
                for (int e = 1; e <= epochs; e++) epoch(trainer, train, test, e, stepsPerEpoch, report);
            }
            out().printf(Locale.ROOT, "test accuracy %.2f%% after %d epochs; %.0f training images/s on %s%n",
                    100 * report.lastTestAccuracy(), epochs, report.imagesPerSecond(), b.name());
            report.write(out);
            StateFile.save(net, out.resolve("model.clstate"));
            try {
                report.plot(out);
            } catch (Exception | LinkageError | java.awt.AWTError e) {
                // the run's results are saved already; a machine without fonts must not lose them
                out().printf("could not draw curves.png (%s); the CSVs hold the same curves%n", e);
            }
            out().flush();
            out().printf(Locale.ROOT, "wrote %s/{epochs.csv, steps.csv, curves.png, model.clstate}; wall time "
                    + "%.1f s%n", out, (System.nanoTime() - wallStart) / 1e9);
        }
        return 0;
    }

    /** The training and test sets, limited as asked, both normalised by the training set's mean and std. */
    private Dataset[] load() {
        Dataset train;
        Dataset test;
        try {
            train = Dataset.mnistFormat(data, true);
            test = Dataset.mnistFormat(data, false);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (limit != null) train = train.limit(limit);
        if (testLimit != null) test = test.limit(testLimit);
        double[] ms = train.meanStd();
        train.normalize(ms[0], ms[1]);
        test.normalize(ms[0], ms[1]);
        out().printf(Locale.ROOT, "data: %s, normalised by the training images' mean %.4f and std %.4f%n",
                data, ms[0], ms[1]);
        return new Dataset[] {train, test};
    }

    private LrSchedule schedule(long totalSteps) {
        return switch (schedule) {
            case COSINE -> LrSchedule.cosine(lr, totalSteps, 0);
            case STEP -> LrSchedule.step(lr, Math.max(1, totalSteps / 3), 0.1);
            case CONSTANT -> LrSchedule.constant(lr);
        };
    }

    /** One epoch under a progress bar, then the test set; one line of results. */
    private void epoch(Trainer trainer, Dataset train, Dataset test, int e, int steps, TrainReport report) {
        Trainer.Metrics m;
        if (quiet) {
            m = trainer.trainEpoch(train, seed, e, report::step);
        } else {
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName(String.format("epoch %d/%d", e, epochs))
                    .setInitialMax(steps).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .setUnit(" steps", 1).build()) {
                long start = System.nanoTime();
                long[] images = {0};
                m = trainer.trainEpoch(train, seed, e, s -> {
                    report.step(s);
                    images[0] += s.size();
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %5.1f%% %6.0f img/s", s.loss(),
                            100.0 * s.correct() / s.size(), images[0] / ((System.nanoTime() - start) / 1e9)));
                });
            }
        }
        Trainer.Metrics t = trainer.evaluate(test);
        report.epoch(new TrainReport.Epoch(e, m, t, trainer.lr()));
        out().printf(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.0f "
                + "images/s, %.1f s (+ %.1f s test)%n", e, epochs, m.loss(), 100 * m.accuracy(), t.loss(),
                100 * t.accuracy(), m.imagesPerSecond(), m.seconds(), t.seconds());
    }

    private static long parameterCount(Sequential net) {
        return net.parameters().values().stream().mapToLong(p -> p.value().size()).sum();
    }
}
