package org.clengine.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.batchnorm.RunningUpdatePolicy;
import org.clengine.data.Dataset;
import org.clengine.device.Device;
import org.clengine.device.DeviceGroup;
import org.clengine.distributed.DataParallelTrainer;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.ModelFiles;
import org.clengine.nn.Module;
import org.clengine.onnx.OnnxExport;
import org.clengine.train.Models;
import org.clengine.train.Trainer;

/**
 * {@code ./clengine train --devices N} (N > 1): the same run as {@link TrainRun} over N devices of this process
 * ({@link DataParallelTrainer}: a replica per device, SyncBN, gradients summed in device order); rank 0's replica
 * (every replica holds the same bits) is evaluated, saved and exported.
 */
final class MultiDeviceTrainRun {
    /** How long a rank waits for the others in one exchange: a step on a loaded CPU takes seconds at most. */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private final TrainCommand c;
    private final TrainRun single;

    MultiDeviceTrainRun(TrainCommand c, TrainRun single) {
        this.c = c;
        this.single = single;
    }

    int call() throws Exception {
        Dataset[] sets = single.load();
        Dataset train = sets[0], test = sets[1];
        Models.Norm norm = c.noBn ? Models.Norm.NONE
                : c.bnAfterRelu ? Models.Norm.AFTER_RELU : Models.Norm.BEFORE_RELU;
        int stepsPerEpoch = train.count() / c.batch;
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("--batch " + c.batch + " exceeds the " + train.count()
                    + " training images");
        }
        if (c.batch < c.devices) {
            throw new IllegalArgumentException("--batch " + c.batch + " cannot give each of " + c.devices
                    + " devices a sample");
        }
        long wallStart = System.nanoTime();
        try (DeviceGroup group = c.backend.backend == BackendOptions.Kind.REFERENCE ? null
                : c.backend.device != null ? DeviceGroup.open(c.backend.device, c.devices)
                : DeviceGroup.open(c.devices)) {
            List<Backend> backends = backends(group);
            String where = group == null ? c.devices + " reference backends" : group.description();
            try (DataParallelTrainer trainer = new DataParallelTrainer(backends, b -> model(b, train, norm),
                    new DataParallelTrainer.SgdSettings(c.lr, c.momentum, c.weightDecay),
                    single.schedule((long) stepsPerEpoch * c.epochs), c.batch, TIMEOUT)) {
                run(trainer, train, test, norm, stepsPerEpoch, where, wallStart);
            }
        }
        return 0;
    }

    private List<Backend> backends(DeviceGroup group) {
        List<Backend> out = new ArrayList<>();
        if (group == null) {
            for (int i = 0; i < c.devices; i++) out.add(new ReferenceBackend());
        } else {
            for (Device d : group.devices()) out.add(new OpenClBackend(d));
        }
        return out;
    }

    private Module model(Backend b, Dataset train, Models.Norm norm) {
        Module m = Models.build(c.model, b, train.channels(), train.height(), train.width(), train.classes(), norm,
                c.seed);
        if (c.bnSkipNonFinite) TrainReport.batchNorms(m).values().forEach(bn -> bn.runningUpdate(
                RunningUpdatePolicy.SKIP));
        return m;
    }

    private void run(DataParallelTrainer trainer, Dataset train, Dataset test, Models.Norm norm, int stepsPerEpoch,
            String where, long wallStart) throws Exception {
        var out = c.spec.commandLine().getOut();
        Module net = trainer.model(0);
        out.printf(Locale.ROOT, "train: %s, %s model (%s batch norm, synchronized), %d parameters, data-parallel "
                + "on %s%n", train.name(), c.model.label(), norm.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                net.parameters().values().stream().mapToLong(p -> p.value().size()).sum(), where);
        out.printf(Locale.ROOT, "  %d training / %d test images; global batch %d (%d devices), lr %s (%s), "
                + "momentum %s, weight decay %s, seed %d%n", train.count(), test.count(), c.batch, c.devices, c.lr,
                c.schedule.name().toLowerCase(Locale.ROOT), c.momentum, c.weightDecay, c.seed);
        TrainReport report = new TrainReport(stepsPerEpoch);
        for (int e = 1; e <= c.epochs; e++) epoch(trainer, train, test, e, stepsPerEpoch, report);
        if (c.exportOnnx != null) {
            OnnxExport.write(net, new int[] {train.channels(), train.height(), train.width()}, c.exportOnnx);
            out.printf("wrote %s (ONNX, opset 13)%n", c.exportOnnx);
        }
        out.printf(Locale.ROOT, "test accuracy %.2f%% after %d epochs; %.0f training images/s on %s%n",
                100 * report.lastTestAccuracy(), c.epochs, report.imagesPerSecond(), where);
        Map<String, BatchNorm> bns = TrainReport.batchNorms(net);
        if (!bns.isEmpty()) out.println(TrainReport.batchNormLine(bns));
        report.write(c.out);
        Path state = c.out.resolve(c.stateFormat.fileName());
        ModelFiles.save(net, state);
        try {
            report.plot(c.out);
        } catch (Exception | LinkageError | java.awt.AWTError e) {
            out.printf("could not draw curves.png (%s); the CSVs hold the same curves%n", e);
        }
        out.printf(Locale.ROOT, "wrote %s/{epochs.csv, steps.csv, curves.png, %s}; wall time %.1f s%n", c.out,
                state.getFileName(), (System.nanoTime() - wallStart) / 1e9);
        out.flush();
    }

    private void epoch(DataParallelTrainer trainer, Dataset train, Dataset test, int e, int steps,
            TrainReport report) {
        var out = c.spec.commandLine().getOut();
        Trainer.Metrics m;
        try (Progress bar = Progress.of(Progress.mode(c.quiet), String.format("epoch %d/%d", e, c.epochs), steps,
                out)) {
            long start = System.nanoTime();
            long[] images = {0};
            m = trainer.trainEpoch(train, c.seed, e, s -> {
                report.step(new Trainer.Step(s.index(), s.globalSize(), s.loss(), s.correct(), s.lr()));
                images[0] += s.globalSize();
                bar.step(String.format(Locale.ROOT, " loss %.4f acc %5.1f%% %6.0f img/s", s.loss(),
                        100.0 * s.correct() / s.globalSize(), images[0] / ((System.nanoTime() - start) / 1e9)));
            });
        }
        Trainer.Metrics t = trainer.evaluate(test);
        report.epoch(new TrainReport.Epoch(e, m, t, trainer.lr()));
        out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.0f "
                + "images/s, %.1f s (+ %.1f s test)%n", e, c.epochs, m.loss(), 100 * m.accuracy(), t.loss(),
                100 * t.accuracy(), m.imagesPerSecond(), m.seconds(), t.seconds());
    }
}
