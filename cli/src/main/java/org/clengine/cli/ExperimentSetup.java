package org.clengine.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.Sequential;
import org.clengine.train.Models;
import org.clengine.train.Trainer;

/**
 * What every experiment of {@code ./clengine experiment} is given (backend, data, budget, seed, learning rate, where
 * to print), and the training loop they all run: {@code steps} steps over epochs reshuffled from the seed, under a
 * progress bar (lines when not on a terminal), with checkpoints at step 0 and every steps/checkpoints steps.
 *
 * @param checkpoints evaluations over a run, at most {@code steps}
 */
record ExperimentSetup(Backend backend, Dataset train, Dataset test, int batch, int steps, int checkpoints, long seed,
        double lr, boolean quiet, PrintWriter log) {

    ExperimentSetup {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1");
        if (checkpoints < 1) throw new IllegalArgumentException("--checkpoints must be at least 1");
        checkpoints = Math.min(checkpoints, steps);
    }

    /** Called at a checkpoint, after {@code step} updates; {@code next} is the batch the following step trains on. */
    interface Checkpoint {
        /** Returns a few words for the progress bar (e.g. the test accuracy), or null. */
        String at(long step, Batches batches, int next);
    }

    /**
     * Trains for {@code steps} steps; {@code checkpoint} (may be null) at step 0 and whenever step·K/steps passes
     * an integer, {@code onStep} (may be null) after every step. The batch order depends only on the seed.
     */
    void train(Trainer trainer, String task, Checkpoint checkpoint, Consumer<Trainer.Step> onStep) {
        Batches batches = new Batches(train, batch, true);
        int epoch = 1;
        batches.shuffle(seed, epoch);
        String status = checkpoint == null ? null : checkpoint.at(0, batches, 0);
        try (Progress bar = Progress.of(Progress.mode(quiet), task, steps, log)) {
            for (int s = 1, b = 0; s <= steps; s++) {
                Trainer.Step st = trainer.trainStep(batches, b);
                if (++b == batches.count()) {
                    batches.shuffle(seed, ++epoch);
                    b = 0;
                }
                if (checkpoint != null && (long) s * checkpoints % steps < checkpoints) {
                    status = checkpoint.at(s, batches, b);
                }
                if (onStep != null) onStep.accept(st);
                bar.step(String.format(Locale.ROOT, " loss %.4f", st.loss()) + (status == null ? "" : " " + status));
            }
        }
    }

    /** train's CNN ({@code Models.Kind.CNN}) for this data, batch norm as {@code norm} says, weights from the seed. */
    Sequential cnn(Models.Norm norm) {
        return Models.build(Models.Kind.CNN, backend, train.channels(), train.height(), train.width(), train.classes(),
                norm, seed);
    }

    /** "train's CNN, batch 64, 300 steps, … on Backend": the line the CNN experiments open with. */
    String describe(String what, String lrText) {
        return String.format(Locale.ROOT, "%s, batch %d, %d steps, SGD lr %s, seed %d (weights and batch order, "
                + "every run), %d training / %d test images, on %s", what, batch, steps, lrText, seed, train.count(),
                test.count(), backend.name());
    }
}
