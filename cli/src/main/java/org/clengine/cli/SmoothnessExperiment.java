package org.clengine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.train.Models;
import org.clengine.train.SmoothnessProbe;
import org.clengine.train.Trainer;

/**
 * {@code smoothness}: Santurkar et al. 2018, §3.1, Fig. 4, on train's CNN with batch norm before each ReLU and
 * without batch norm, from the same seed (weights and batch order) at the same learning rate. At each checkpoint a
 * {@link SmoothnessProbe} takes the gradient g on the batch the next step trains on and moves along it: the loss
 * band over the step sizes (4a), the largest change of the gradient (4b, "gradient predictiveness") and that change
 * over the distance moved (4c, "effective β-smoothness"). The probe leaves the run exactly as it was.
 */
final class SmoothnessExperiment {
    /**
     * Step sizes η of the probe in multiples of the learning rate: η ∈ [0.05, 0.4] at the default 0.05, the range
     * the paper's Fig. 4 spans (it caps the distance at 0.4 × the gradient).
     */
    static final double[] STEP_MULTIPLES = {1, 2, 4, 6, 8};

    private final ExperimentSetup setup;

    SmoothnessExperiment(ExperimentSetup setup) {
        this.setup = setup;
    }

    /** Columns of one checkpoint's row. */
    private static final int STEP = 0, LOSS = 1, GRAD_NORM = 2, LOSS_MIN = 3, LOSS_MAX = 4, CHANGE = 5, BETA = 6;

    void run(Path out) throws IOException {
        double[] etas = Arrays.stream(STEP_MULTIPLES).map(m -> m * setup.lr()).toArray();
        PrintWriter log = setup.log();
        log.println("smoothness: " + setup.describe("train's CNN with BN before each ReLU and without BN",
                setup.lr() + " momentum 0.9 (constant)"));
        log.printf(Locale.ROOT, "  probe at %d checkpoints, on the batch the next step trains on: loss and gradient "
                + "at w - eta*g for eta = %s (lr x %s)%n", setup.checkpoints() + 1, decimals(etas),
                decimals(STEP_MULTIPLES));
        log.flush();
        SmoothnessProbe probe = new SmoothnessProbe(etas);
        Map<String, List<double[]>> runs = new LinkedHashMap<>();
        for (Models.Norm norm : List.of(Models.Norm.NONE, Models.Norm.BEFORE_RELU)) {
            String label = norm == Models.Norm.NONE ? "without BN" : "with BN";
            List<double[]> rows = new ArrayList<>();
            try (Sequential net = setup.cnn(norm);
                    Sgd sgd = new Sgd(net.parameters(), setup.lr(), 0.9, 0);
                    Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(setup.lr()), setup.batch())) {
                setup.train(trainer, String.format("%-10s", label), (s, batches, next) -> {
                    SmoothnessProbe.Result r = probe.probe(trainer, batches, next);
                    rows.add(new double[] {s, r.loss(), r.gradientNorm(), r.lossMin(), r.lossMax(),
                        r.gradientChange(), r.beta()});
                    return String.format(Locale.ROOT, "beta %.2f", r.beta());
                }, null);
            }
            runs.put(label, rows);
        }
        write(out, runs);
        summarize(runs);
        log.printf("wrote %s/{smoothness.csv, smoothness.png}%n", out);
    }

    /** [0.05, 0.1, 0.3], not [0.05, 0.1, 0.30000000000000004]. */
    private static String decimals(double[] v) {
        return Arrays.stream(v).mapToObj(d -> new BigDecimal(d, new MathContext(6)).stripTrailingZeros()
                .toPlainString()).toList().toString();
    }

    private void write(Path out, Map<String, List<double[]>> runs) throws IOException {
        CsvTable csv = new CsvTable("step", "bn", "loss", "gradient_norm", "loss_min", "loss_max",
                "gradient_change_max", "beta_max");
        runs.forEach((label, rows) -> rows.forEach(r -> csv.row((long) r[STEP], label.equals("with BN"), r[LOSS],
                r[GRAD_NORM], r[LOSS_MIN], r[LOSS_MAX], r[CHANGE], r[BETA])));
        csv.write(out.resolve("smoothness.csv"));
        Map<String, List<double[]>> band = new LinkedHashMap<>();
        Map<String, List<double[]>> change = new LinkedHashMap<>();
        Map<String, List<double[]>> beta = new LinkedHashMap<>();
        runs.forEach((label, rows) -> {
            band.put(label + ", max", Plots.column(rows, LOSS_MAX));
            band.put(label + ", min", Plots.column(rows, LOSS_MIN));
            change.put(label, Plots.column(rows, CHANGE));
            beta.put(label, Plots.column(rows, BETA));
        });
        Plots.save(out.resolve("smoothness.png"), setup.log(),
                new Plots.Panel("(a) loss landscape", "step", "loss along -g", band),
                new Plots.Panel("(b) gradient predictiveness", "step", "max l2 change of the gradient", change),
                new Plots.Panel("(c) effective beta-smoothness", "step", "max gradient change / distance", beta));
    }

    /** Means over the checkpoints after step 0, both runs side by side. */
    private void summarize(Map<String, List<double[]>> runs) {
        PrintWriter log = setup.log();
        log.println("mean over the checkpoints after step 0 (without BN / with BN):");
        String[] what = {"loss range max - min along -g", "gradient change max", "effective beta", "gradient norm"};
        int[][] cols = {{LOSS_MAX, LOSS_MIN}, {CHANGE}, {BETA}, {GRAD_NORM}};
        for (int i = 0; i < what.length; i++) {
            StringBuilder line = new StringBuilder(String.format("  %-30s", what[i]));
            for (List<double[]> rows : runs.values()) {
                int[] c = cols[i];
                double mean = rows.stream().skip(1).mapToDouble(r -> c.length == 2 ? r[c[0]] - r[c[1]] : r[c[0]])
                        .average().orElse(Double.NaN);
                line.append(String.format(Locale.ROOT, " %10.4f", mean));
            }
            log.println(line);
        }
        log.flush();
    }
}
