package org.clengine.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.clengine.device.DeviceManager;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs JMH benchmarks through its Runner API and reads back each trial's median. */
final class JmhRun {

    /** One trial: benchmark class and method, its parameters, the median and fastest times, the sample count. */
    record Trial(String benchmarkClass, String method, Map<String, String> params, double medianMs, double minMs,
            long samples) {
        String param(String name) {
            return params.get(name);
        }
    }

    /**
     * Some {@code @Benchmark} methods of one class (all of them when {@code methods} is empty) with the values of its
     * parameters, crossed.
     */
    record Selection(Class<?> benchmark, List<String> methods, Map<String, List<String>> params) {
        int trials() {
            int m = methods.isEmpty() ? JmhRun.methods(benchmark).size() : methods.size();
            return m * params.values().stream().mapToInt(List::size).reduce(1, (a, b) -> a * b);
        }

        String include() {
            String cls = "^" + Pattern.quote(benchmark.getName()) + "\\.";
            return methods.isEmpty() ? cls : cls + "(" + String.join("|", methods) + ")$";
        }
    }

    private JmhRun() {
    }

    /**
     * Runs the selections one after another, each as a JMH run of its own (JMH's parameters are global to a run),
     * each trial in a fork of its own. Quick runs use no JMH warm-up (setup runs each op twice) and 2 × 0.4 s measurement instead of the
     * classes' 3 × 1 s and 5 × 1 s. Failed trials (a failed check in {@code @Setup}) are missing from the result;
     * JMH prints why.
     */
    static List<Trial> run(List<Selection> selections, boolean quick, boolean verbose) throws RunnerException {
        // Other engineers' JMH runs may hold JMH's machine-wide lock; timings are compared within one run anyway.
        System.setProperty("jmh.ignoreLock", "true");
        int total = selections.stream().mapToInt(Selection::trials).sum();
        ProgressFormat progress = new ProgressFormat(System.out, total);
        List<Trial> trials = new ArrayList<>();
        for (Selection s : selections) {
            ChainedOptionsBuilder b = new OptionsBuilder().shouldFailOnError(false).verbosity(VerboseMode.NORMAL)
                    .include(s.include());
            s.params().forEach((name, values) -> b.param(name, values.toArray(String[]::new)));
            String device = System.getProperty(DeviceManager.PROPERTY);
            if (device != null) b.jvmArgsAppend("-D" + DeviceManager.PROPERTY + "=" + device);
            if (quick) {
                // no JMH warm-up: every @Setup already runs its op twice untimed (PoCL's specialisation, caches)
                b.warmupIterations(0).measurementIterations(2).measurementTime(TimeValue.milliseconds(400));
            }
            Runner runner = verbose ? new Runner(b.build()) : new Runner(b.build(), progress);
            Collection<RunResult> results = runner.run();
            for (RunResult r : results) trials.add(trial(r));
        }
        return trials;
    }

    /** The names of a class's {@code @Benchmark} methods. */
    static List<String> methods(Class<?> benchmark) {
        List<String> out = new ArrayList<>();
        for (var m : benchmark.getMethods()) {
            if (m.isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class)) out.add(m.getName());
        }
        return out;
    }

    private static Trial trial(RunResult r) {
        BenchmarkParams p = r.getParams();
        String name = p.getBenchmark();
        int dot = name.lastIndexOf('.');
        Map<String, String> params = new TreeMap<>();
        for (String key : p.getParamsKeys()) params.put(key, p.getParam(key));
        var stats = r.getPrimaryResult().getStatistics();
        double toMs = p.getTimeUnit().toNanos(1) / 1e6;
        return new Trial(name.substring(0, dot), name.substring(dot + 1), params, stats.getPercentile(50) * toMs,
                stats.getMin() * toMs, stats.getN());
    }
}
