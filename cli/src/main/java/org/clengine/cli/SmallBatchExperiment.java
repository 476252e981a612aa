package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clengine.batchnorm.BatchRenormSchedule;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.train.Models;
import org.clengine.train.Trainer;

/**
 * {@code small-batch}: batch norm when the batch is small (Ioffe 2017, Hoffer et al. 2017). train's CNN on the same
 * images, the same number of them seen, from the same weights: the batch-128 baseline; per-step batches of 4 and 2
 * with plain batch norm and with batch renormalization; and ghost batch norm, statistics over virtual batches of 4
 * inside batches of 128. The learning rate scales with the batch (lr·batch/128, the linear rule), momentum 0.9
 * throughout. Renorm's schedule follows the paper's shape: r = 1, d = 0 for the first 4% of the run's steps, then
 * rmax and dmax grow linearly to 3 and 5 over the next 25%.
 */
final class SmallBatchExperiment {
    static final int BASE_BATCH = 128;
    static final int MAX_CHECKPOINTS = 10;

    /** One run: its label (b128-ghost4: batch 128, ghost's virtual batch 4), batch, virtual batch, renorm. */
    record Arm(String label, int batch, int virtualBatch, boolean renorm) {
    }

    static final List<Arm> ARMS = List.of(new Arm("b128-bn", 128, 0, false), new Arm("b128-ghost4", 128, 4, false),
            new Arm("b4-bn", 4, 0, false), new Arm("b4-renorm", 4, 0, true), new Arm("b2-bn", 2, 0, false),
            new Arm("b2-renorm", 2, 0, true));

    /** One checkpoint of one arm. */
    record Point(long images, double accuracy, double loss) {
    }

    private final ExperimentSetup setup;

    SmallBatchExperiment(ExperimentSetup setup) {
        this.setup = setup;
    }

    void run(Path out) throws IOException {
        long images = (long) setup.steps() * BASE_BATCH;
        setup.log().printf(Locale.ROOT, "small-batch: train's CNN, %d images seen per run (%d steps at batch 128), "
                + "SGD lr %s·batch/128 momentum 0.9, seed %d (weights and image order, every run), %d training / %d "
                + "test images, on %s%n", images, setup.steps(), setup.lr(), setup.seed(), setup.train().count(),
                setup.test().count(), setup.backend().name());
        setup.log().flush();
        Map<Arm, List<Point>> curves = new LinkedHashMap<>();
        CsvTable summary = new CsvTable("run", "batch", "virtual_batch", "renorm", "steps", "lr", "test_accuracy",
                "test_loss", "seconds");
        for (Arm arm : ARMS) {
            long start = System.nanoTime();
            List<Point> points = train(arm, Math.toIntExact(images / arm.batch()));
            double seconds = (System.nanoTime() - start) / 1e9;
            curves.put(arm, points);
            Point last = points.get(points.size() - 1);
            summary.row(arm.label(), arm.batch(), arm.virtualBatch(), arm.renorm(), images / arm.batch(),
                    lr(arm), last.accuracy(), last.loss(), seconds);
            setup.log().printf(Locale.ROOT, "  %-12s test accuracy %.2f%%, test loss %.4f (%.0f s)%n", arm.label(),
                    100 * last.accuracy(), last.loss(), seconds);
            setup.log().flush();
        }
        write(out, curves, summary);
    }

    private double lr(Arm arm) {
        return setup.lr() * arm.batch() / BASE_BATCH;
    }

    /** One arm from the seed's weights, {@code steps} steps of its batch; checkpoints on the test images. */
    private List<Point> train(Arm arm, int steps) {
        ExperimentSetup s = new ExperimentSetup(setup.backend(), setup.train(), setup.test(), arm.batch(), steps,
                Math.min(setup.checkpoints(), MAX_CHECKPOINTS), setup.seed(), lr(arm), setup.quiet(), setup.log());
        List<Point> points = new ArrayList<>();
        try (Sequential net = s.cnn(Models.Norm.BEFORE_RELU);
                Sgd sgd = new Sgd(net.parameters(), lr(arm), 0.9, 0);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(lr(arm)), arm.batch())) {
            for (Module m : net.modules()) {
                if (!(m instanceof BatchNorm bn)) continue;
                if (arm.virtualBatch() > 0) bn.ghost(arm.virtualBatch());
                if (arm.renorm()) bn.renorm(new BatchRenormSchedule(3, 5, steps / 25, steps / 4));
            }
            s.train(trainer, arm.label(), (step, batches, next) -> {
                Trainer.Metrics m = trainer.evaluate(s.test());
                points.add(new Point(step * arm.batch(), m.accuracy(), m.loss()));
                return String.format(Locale.ROOT, "test acc %5.2f%%", 100 * m.accuracy());
            }, null);
        }
        return points;
    }

    private void write(Path out, Map<Arm, List<Point>> curves, CsvTable summary) throws IOException {
        CsvTable csv = new CsvTable("run", "images_seen", "test_accuracy", "test_loss");
        Map<String, List<double[]>> acc = new LinkedHashMap<>();
        Map<String, List<double[]>> loss = new LinkedHashMap<>();
        for (var e : curves.entrySet()) {
            for (Point p : e.getValue()) csv.row(e.getKey().label(), p.images(), p.accuracy(), p.loss());
            acc.put(e.getKey().label(), e.getValue().stream().map(p -> new double[] {p.images(), p.accuracy()})
                    .toList());
            loss.put(e.getKey().label(), e.getValue().stream().map(p -> new double[] {p.images(), p.loss()})
                    .toList());
        }
        csv.write(out.resolve("small-batch.csv"));
        summary.write(out.resolve("small-batch-final.csv"));
        Plots.save(out.resolve("small-batch.png"), setup.log(),
                new Plots.Panel("test accuracy (eval mode)", "images seen", "test accuracy", acc),
                new Plots.Panel("test loss (eval mode)", "images seen", "test loss", loss, false, true));
        setup.log().printf("wrote %s/{small-batch.csv, small-batch-final.csv, small-batch.png}%n", out);
    }
}
