package org.clengine.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.data.Dataset;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.nn.ModelFiles;
import org.clengine.onnx.OnnxExport;
import org.clengine.train.Models;
import org.clengine.train.Trainer;

/** The body of {@code ./clengine train}; see {@link TrainCommand#call()} for why it is a class of its own. */
final class TrainRun {
    private final TrainCommand c;

    TrainRun(TrainCommand c) {
        this.c = c;
    }

    private java.io.PrintWriter out() {
        return c.spec.commandLine().getOut();
    }

    int call() throws Exception {
        if (c.noBn && c.bnAfterRelu) {
            throw new IllegalArgumentException("--no-bn and --bn-after-relu exclude each other");
        }
        if (c.epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1");
        if (c.devices < 1) throw new IllegalArgumentException("--devices must be at least 1, got " + c.devices);
        if (c.devices > 1) return new MultiDeviceTrainRun(c, this).call();
        Dataset[] sets = load();
        Dataset train = sets[0], test = sets[1];
        Models.Norm norm = c.noBn ? Models.Norm.NONE
                : c.bnAfterRelu ? Models.Norm.AFTER_RELU : Models.Norm.BEFORE_RELU;
        long wallStart = System.nanoTime();
        try (Backend b = c.backend.open();
                Sequential net = Models.build(c.model, b, train.channels(), train.height(), train.width(),
                        train.classes(), norm, c.seed);
                Sgd sgd = new Sgd(net.parameters(), c.lr, c.momentum, c.weightDecay)) {
            int stepsPerEpoch = train.count() / c.batch;
            if (stepsPerEpoch < 1) {
                throw new IllegalArgumentException("--batch " + c.batch + " exceeds the " + train.count()
                        + " training images");
            }
            out().printf(Locale.ROOT, "train: %s, %s model (%s batch norm), %d parameters, on %s%n",
                    train.name(), c.model.label(), norm.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    parameterCount(net), b.name());
            out().printf(Locale.ROOT, "  %d training / %d test images; batch %d, lr %s (%s), momentum %s, "
                    + "weight decay %s, seed %d, precision %s%n", train.count(), test.count(), c.batch, c.lr,
                    c.schedule.name().toLowerCase(Locale.ROOT), c.momentum, c.weightDecay, c.seed,
                    c.precision.name().toLowerCase(Locale.ROOT));
            Map<String, BatchNorm> bns = TrainReport.batchNorms(net);
            if (c.bnSkipNonFinite) bns.values().forEach(bn -> bn.runningUpdate(RunningUpdatePolicy.SKIP));
            TrainReport report = new TrainReport(stepsPerEpoch);
            try (Trainer trainer = new Trainer(net, sgd, schedule((long) stepsPerEpoch * c.epochs), c.batch,
                    c.precision.dtype)) {
                for (int e = 1; e <= c.epochs; e++) epoch(trainer, train, test, e, stepsPerEpoch, report);
                if (c.precision == TrainCommand.Precision.FP16) {
                    out().printf(Locale.ROOT, "loss scaling: %d of %d steps skipped (Inf/NaN gradients), final "
                            + "scale %.0f%n", trainer.skippedSteps(), trainer.steps(), trainer.lossScale());
                }
            }
            if (c.exportOnnx != null) exportOnnx(net, train);
            out().printf(Locale.ROOT, "test accuracy %.2f%% after %d epochs; %.0f training images/s on %s%n",
                    100 * report.lastTestAccuracy(), c.epochs, report.imagesPerSecond(), b.name());
            if (!bns.isEmpty()) out().println(TrainReport.batchNormLine(bns));
            report.write(c.out);
            Path state = c.out.resolve(c.stateFormat.fileName());
            ModelFiles.save(net, state);
            try {
                report.plot(c.out);
            } catch (Exception | LinkageError | java.awt.AWTError e) {
                // the run's results are saved already; a machine without fonts must not lose them
                out().printf("could not draw curves.png (%s); the CSVs hold the same curves%n", e);
            }
            out().flush();
            out().printf(Locale.ROOT, "wrote %s/{epochs.csv, steps.csv, curves.png, %s}; wall time %.1f s%n", c.out,
                    state.getFileName(), (System.nanoTime() - wallStart) / 1e9);
        }
        return 0;
    }

    /** The training and test sets, limited as asked, both normalised by the training set's mean and std. */
    Dataset[] load() {
        Dataset train;
        Dataset test;
        try {
            train = Dataset.mnistFormat(c.data, true);
            test = Dataset.mnistFormat(c.data, false);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (c.limit != null) train = train.limit(c.limit);
        if (c.testLimit != null) test = test.limit(c.testLimit);
        double[] ms = train.meanStd();
        train.normalize(ms[0], ms[1]);
        test.normalize(ms[0], ms[1]);
        out().printf(Locale.ROOT, "data: %s, normalised by the training images' mean %.4f and std %.4f%n",
                c.data, ms[0], ms[1]);
        return new Dataset[] {train, test};
    }

    LrSchedule schedule(long totalSteps) {
        return switch (c.schedule) {
            case COSINE -> LrSchedule.cosine(c.lr, totalSteps, 0);
            case STEP -> LrSchedule.step(c.lr, Math.max(1, totalSteps / 3), 0.1);
            case CONSTANT -> LrSchedule.constant(c.lr);
        };
    }

    /** One epoch under a progress bar (lines when not on a terminal), then the test set; one line of results. */
    private void epoch(Trainer trainer, Dataset train, Dataset test, int e, int steps, TrainReport report) {
        Trainer.Metrics m;
        try (Progress bar = Progress.of(Progress.mode(c.quiet), String.format("epoch %d/%d", e, c.epochs), steps,
                out())) {
            long start = System.nanoTime();
            long[] images = {0};
            m = trainer.trainEpoch(train, c.seed, e, s -> {
                report.step(s);
                images[0] += s.size();
                bar.step(String.format(Locale.ROOT, " loss %.4f acc %5.1f%% %6.0f img/s", s.loss(),
                        100.0 * s.correct() / s.size(), images[0] / ((System.nanoTime() - start) / 1e9)));
            });
        }
        Trainer.Metrics t = trainer.evaluate(test);
        report.epoch(new TrainReport.Epoch(e, m, t, trainer.lr()));
        out().printf(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.0f "
                + "images/s, %.1f s (+ %.1f s test)%n", e, c.epochs, m.loss(), 100 * m.accuracy(), t.loss(),
                100 * t.accuracy(), m.imagesPerSecond(), m.seconds(), t.seconds());
    }

    /** --export-onnx: the trained model as ONNX, for inputs shaped as the training images. */
    private void exportOnnx(Sequential net, Dataset train) throws java.io.IOException {
        OnnxExport.write(net, new int[] {train.channels(), train.height(), train.width()}, c.exportOnnx);
        out().printf("wrote %s (ONNX, opset 13, input [N, %d, %d, %d])%n", c.exportOnnx, train.channels(),
                train.height(), train.width());
    }

    private static long parameterCount(Sequential net) {
        return net.parameters().values().stream().mapToLong(p -> p.value().size()).sum();
    }
}
