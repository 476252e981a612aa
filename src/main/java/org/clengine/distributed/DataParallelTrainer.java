package org.clengine.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Sgd;
import org.clengine.train.Trainer;

/**
 * Data-parallel training in one JVM: one {@link DataParallelRank} per backend (one per OpenCL device), each on a
 * thread of its own, over a {@link LocalCollective}. Every step runs all ranks at once; a rank that throws aborts
 * the group, so the others fail within the timeout instead of waiting, and the step throws the failing rank's
 * exception. Owns the backends' models and optimizers (made by the factories), not the backends.
 */
public final class DataParallelTrainer implements AutoCloseable {

    /** SGD's settings, the same on every rank. */
    public record SgdSettings(double lr, double momentum, double weightDecay) {
    }

    private final List<LocalCollective> collectives;
    private final List<Module> models = new ArrayList<>();
    private final List<Sgd> sgds = new ArrayList<>();
    private final List<DataParallelRank> ranks = new ArrayList<>();
    private final ExecutorService threads;
    private final LrSchedule schedule;
    private final int batch;

    /**
     * One rank per backend, in rank order; {@code model} builds each replica (rank 0's initial values are copied
     * to the others); {@code timeout} bounds every wait for another rank.
     */
    public DataParallelTrainer(List<? extends Backend> backends, Function<Backend, Module> model, SgdSettings sgd,
            LrSchedule schedule, int batch, Duration timeout) {
        if (backends == null || backends.isEmpty()) throw new IllegalArgumentException("no backends");
        this.schedule = schedule;
        this.batch = batch;
        this.collectives = LocalCollective.group(backends.size(), timeout);
        this.threads = Executors.newFixedThreadPool(backends.size(), r -> {
            Thread t = new Thread(r, "clengine-rank");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Backend b : backends) {
                Module m = model.apply(b);
                models.add(m);
                sgds.add(new Sgd(m.parameters(), sgd.lr(), sgd.momentum(), sgd.weightDecay()));
            }
            ranks.addAll(onAllRanks(r -> new DataParallelRank(collectives.get(r), models.get(r), sgds.get(r),
                    schedule)));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public int worldSize() {
        return collectives.size();
    }

    /** Rank r's replica (every replica holds the same bits after each step). */
    public Module model(int rank) {
        return models.get(rank);
    }

    /** The learning rate of the last step. */
    public double lr() {
        return sgds.get(0).lr();
    }

    /** The learning-rate schedule's step count. */
    public long steps() {
        return ranks.get(0).steps();
    }

    /** One step on global batch b on every rank; the result is the whole batch's, the same on every rank. */
    public DataParallelRank.Step trainStep(Batches batches, int b) {
        return onAllRanks(r -> ranks.get(r).trainStep(batches, b)).get(0);
    }

    /** One epoch over {@code data} in the order {@code seed} and {@code epoch} give, dropping a last partial batch. */
    public Trainer.Metrics trainEpoch(Dataset data, long seed, int epoch, Consumer<DataParallelRank.Step> onStep) {
        Batches batches = new Batches(data, batch, true);
        batches.shuffle(seed, epoch);
        double lossSum = 0;
        long correct = 0;
        int images = 0;
        long start = System.nanoTime();
        for (int b = 0; b < batches.count(); b++) {
            DataParallelRank.Step s = trainStep(batches, b);
            lossSum += s.loss() * s.globalSize();
            correct += s.correct();
            images += s.globalSize();
            if (onStep != null) onStep.accept(s);
        }
        return new Trainer.Metrics(lossSum / images, (double) correct / images, images,
                (System.nanoTime() - start) / 1e9);
    }

    /** Evaluation on rank 0's replica (running statistics, identical on every rank). */
    public Trainer.Metrics evaluate(Dataset data) {
        try (Trainer t = new Trainer(models.get(0), sgds.get(0), schedule, batch)) {
            return t.evaluate(data);
        }
    }

    /** Runs {@code work} for every rank on its thread; a rank that throws aborts the group, and its error is thrown. */
    private <T> List<T> onAllRanks(Function<Integer, T> work) {
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < collectives.size(); r++) {
            int rank = r;
            futures.add(threads.submit(() -> {
                try {
                    return work.apply(rank);
                } catch (RuntimeException | Error e) {
                    collectives.get(rank).abort(e);
                    throw e;
                }
            }));
        }
        List<T> out = new ArrayList<>();
        RuntimeException first = null;
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                        : new CollectiveException("a rank failed: " + e.getCause(), e.getCause());
                // the rank that failed first is the cause; the others' CollectiveExceptions only report it
                if (first == null || first instanceof CollectiveException && !(cause instanceof CollectiveException)) {
                    first = cause;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("interrupted while waiting for the ranks", e);
            }
        }
        if (first != null) throw first;
        return out;
    }

    /** Closes the ranks, optimizers and models (newest first), the collectives and the threads. Never throws. */
    @Override
    public void close() {
        for (int i = ranks.size() - 1; i >= 0; i--) ranks.get(i).close();
        for (int i = sgds.size() - 1; i >= 0; i--) sgds.get(i).close();
        for (int i = models.size() - 1; i >= 0; i--) models.get(i).close();
        collectives.forEach(LocalCollective::close);
        threads.shutdownNow();
    }
}
