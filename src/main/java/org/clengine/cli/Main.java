package org.clengine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./clengine}: the command line. Each subcommand is a class of its own. */
@Command(name = "clengine", mixinStandardHelpOptions = true, version = "clengine 0.1.0",
        description = "OpenCL compute engine for the JVM: batch normalization, GEMM, convolution.",
        subcommands = {DevicesCommand.class, VerifyCommand.class, TestCommand.class, BenchCommand.class,
                TuneCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
