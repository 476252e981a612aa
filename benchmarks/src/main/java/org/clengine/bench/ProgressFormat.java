package org.clengine.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH output cut to one line per trial ("[3/30   6%] BatchNormBench.backward shape=… variant=…: median 4.12 ms"), plus
 * what the forks print (the checks against the reference) and JMH's errors. {@code --verbose} shows JMH's own. Whole
 * lines only, never a carriage return, so that a log or CI shows each trial as it starts (the percent is of the
 * trials started before it).
 */
final class ProgressFormat implements OutputFormat {
    private final PrintStream out;
    private final int total;
    private int started;

    ProgressFormat(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        started++;
        String name = params.getBenchmark();
        int cls = name.lastIndexOf('.', name.lastIndexOf('.') - 1);
        String args = params.getParamsKeys().stream().map(k -> k + "=" + params.getParam(k))
                .collect(Collectors.joining(" "));
        out.printf(Locale.ROOT, "[%d/%d %3d%%] %s %s%n", started, total, 100 * (started - 1) / Math.max(1, total),
                name.substring(cls + 1), args);
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        if (result == null) return;
        var stats = result.getPrimaryResult().getStatistics();
        out.printf(Locale.ROOT, "        median %.3f %s (%d samples)%n", stats.getPercentile(50),
                result.getPrimaryResult().getScoreUnit(), stats.getN());
    }

    @Override
    public void iteration(BenchmarkParams params, IterationParams iteration, int index) {
    }

    @Override
    public void iterationResult(BenchmarkParams params, IterationParams iteration, int index, IterationResult r) {
    }

    @Override
    public void startRun() {
    }

    @Override
    public void endRun(Collection<RunResult> results) {
    }

    @Override
    public void print(String s) {
        out.print(s);
    }

    @Override
    public void println(String s) {
        if (!s.isBlank() && !s.startsWith("# Fork:")) out.println(s);
    }

    @Override
    public void verbosePrintln(String s) {
    }

    @Override
    public void write(int b) {
        out.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        out.write(b);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
