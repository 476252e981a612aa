package org.clengine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.distributed.DataParallelRank;
import org.clengine.distributed.TcpCollective;
import org.clengine.distributed.TcpConfig;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.ModelFiles;
import org.clengine.nn.Parameter;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.train.Models;
import org.clengine.train.Trainer;

/**
 * {@code ./clengine train --world-size N --rank R --master HOST:PORT}: one rank of data-parallel training over a
 * {@link TcpCollective}. Every rank loads the same data, builds the same model from the same seed and walks the same
 * shuffled batches; {@link DataParallelRank} takes this rank's slice of each and keeps the replicas identical. The
 * handshake's fingerprint holds the model's parameter shapes and every setting that changes the arithmetic, so a
 * rank started with other flags is refused by name before any step. Rank 0 writes what {@code train} writes into
 * {@code --out}; rank R &gt; 0 writes only its model state into {@code --out/rank-R}, to check the replicas against.
 */
final class DistributedTrainRun {
    private final TrainCommand c;
    private final TrainRun plain;

    DistributedTrainRun(TrainCommand c) {
        this.c = c;
        this.plain = new TrainRun(c);
    }

    int call() throws Exception {
        check();
        Dataset[] sets = plain.load();
        Dataset train = sets[0], test = sets[1];
        Models.Norm norm = c.noBn ? Models.Norm.NONE
                : c.bnAfterRelu ? Models.Norm.AFTER_RELU : Models.Norm.BEFORE_RELU;
        int stepsPerEpoch = train.count() / c.batch;
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("--batch " + c.batch + " exceeds the " + train.count()
                    + " training images");
        }
        LrSchedule schedule = plain.schedule((long) stepsPerEpoch * c.epochs);
        Duration timeout = Duration.ofSeconds(c.timeoutSeconds);
        try (Backend b = openBackend();
                Sequential net = Models.build(c.model, b, train.channels(), train.height(), train.width(),
                        train.classes(), norm, c.seed);
                Sgd sgd = new Sgd(net.parameters(), c.lr, c.momentum, c.weightDecay);
                TcpCollective tc = TcpCollective.connect(TcpConfig.of(c.master, c.worldSize, c.rank,
                        fingerprint(net, train, norm)).withTimeouts(timeout, timeout));
                DataParallelRank rank = new DataParallelRank(tc, net, sgd, schedule)) {
            say("rank %d of %d on %s, connected through %s; %s model, %d training images, global batch %d%n",
                    c.rank, c.worldSize, b.name(), tc.config().master(), c.model.label(), train.count(), c.batch);
            TrainReport report = new TrainReport(stepsPerEpoch);
            for (int e = 1; e <= c.epochs; e++) epoch(rank, net, sgd, schedule, train, test, e, report);
            save(net, report);
        }
        return 0;
    }

    /**
     * One rank at a time per JVM: ranks that share a JVM (Spark's tasks in one executor) must not enumerate the
     * OpenCL platform concurrently; PoCL's first clGetDeviceInfo from two threads at once crashed the JVM (SIGSEGV).
     */
    private Backend openBackend() {
        synchronized (DistributedTrainRun.class) {
            return c.backend.open();
        }
    }

    private void check() {
        if (c.master == null) throw new IllegalArgumentException("--world-size needs --master HOST:PORT");
        if (c.worldSize < 1) throw new IllegalArgumentException("--world-size must be at least 1");
        if (c.rank < 0 || c.rank >= c.worldSize) {
            throw new IllegalArgumentException("--rank " + c.rank + " is not in 0.." + (c.worldSize - 1));
        }
        if (c.devices != 1) {
            throw new IllegalArgumentException("--devices and --world-size exclude each other: a rank is one device; "
                    + "start one process per device");
        }
        if (c.timeoutSeconds < 1) throw new IllegalArgumentException("--timeout must be at least 1 second");
        if (c.noBn && c.bnAfterRelu) {
            throw new IllegalArgumentException("--no-bn and --bn-after-relu exclude each other");
        }
        if (c.epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1");
        if (c.exportOnnx != null || c.bnSkipNonFinite) {
            throw new IllegalArgumentException("--export-onnx and --bn-skip-nonfinite are not offered with "
                    + "--world-size: train on one process for those");
        }
    }

    /** Everything that must agree across ranks for their arithmetic to agree, readable in an error message. */
    private String fingerprint(Sequential net, Dataset train, Models.Norm norm) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s %s; %d images %dx%dx%d, %d classes; "
                + "batch %d, lr %s %s, momentum %s, wd %s, seed %d, epochs %d; ", c.model.label(), norm, train.count(),
                train.channels(), train.height(), train.width(), train.classes(), c.batch, c.lr, c.schedule,
                c.momentum, c.weightDecay, c.seed, c.epochs));
        for (Map.Entry<String, Parameter> p : net.parameters().entrySet()) {
            s.append(p.getKey()).append(Arrays.toString(p.getValue().value().shape())).append(' ');
        }
        return s.toString().strip();
    }

    private void epoch(DataParallelRank rank, Sequential net, Sgd sgd, LrSchedule schedule, Dataset train,
                       Dataset test, int e, TrainReport report) {
        Batches batches = new Batches(train, c.batch, true);
        batches.shuffle(c.seed, e);   // the shuffle Trainer.trainEpoch makes: the same batches on every rank
        double lossSum = 0;
        long correct = 0;
        int images = 0;
        long start = System.nanoTime();
        double lr = 0;
        for (int i = 0; i < batches.count(); i++) {
            DataParallelRank.Step s = rank.trainStep(batches, i);
            report.step(new Trainer.Step(s.index(), s.globalSize(), s.loss(), s.correct(), s.lr()));
            lossSum += s.loss() * s.globalSize();
            correct += s.correct();
            images += s.globalSize();
            lr = s.lr();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Trainer.Metrics m = new Trainer.Metrics(lossSum / images, (double) correct / images, images, seconds);
        Trainer.Metrics t;
        try (Trainer evaluator = new Trainer(net, sgd, schedule, c.batch)) {
            t = evaluator.evaluate(test);   // every replica is the same: each evaluates, rank 0 reports
        }
        report.epoch(new TrainReport.Epoch(e, m, t, lr));
        say("epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.0f images/s over %d ranks%n",
                e, c.epochs, m.loss(), 100 * m.accuracy(), t.loss(), 100 * t.accuracy(), images / seconds,
                c.worldSize);
    }

    private void save(Sequential net, TrainReport report) throws java.io.IOException {
        Path dir = c.rank == 0 ? c.out : c.out.resolve("rank-" + c.rank);
        Files.createDirectories(dir);
        Path state = dir.resolve(c.stateFormat.fileName());
        ModelFiles.save(net, state);
        if (c.rank == 0) report.write(c.out);
        say("wrote %s%n", c.rank == 0 ? c.out + "/{epochs.csv, steps.csv, " + state.getFileName() + "}" : state);
    }

    private void say(String format, Object... args) {
        c.spec.commandLine().getOut().printf(Locale.ROOT, format, args);
        c.spec.commandLine().getOut().flush();
    }
}
