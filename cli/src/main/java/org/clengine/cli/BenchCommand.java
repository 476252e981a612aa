package org.clengine.cli;

import picocli.CommandLine.Command;

/** Listed for --help; the launcher runs the JMH benchmarks jar built from benchmarks/. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks against the device's copy bandwidth and peers (JMH, benchmarks/). "
                + "Handled by the ./clengine launcher: ./clengine bench --help")
final class BenchCommand implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("run the benchmarks through the launcher: ./clengine bench");
        return 2;
    }
}
