package org.clengine.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.clengine.backend.Backend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Sgd;
import org.clengine.train.Models;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/**
 * Faults of in-JVM data-parallel training, on the reference backend (the transport and the trainer are what is
 * tested): a rank that throws mid-step makes the other fail at once with a {@link CollectiveException} naming it; a
 * rank that stops coming makes the other fail within the timeout, naming it; models of other shapes are refused on
 * every rank with a message; and the exchanges give every rank the same bits.
 */
class CollectiveFaultTest {
    private static final Dataset DATA = DataParallelTest.synthetic(64, 7);
    /** One thread per rank: the common pool may have a single thread on two cores, which would serialize ranks. */
    private static final java.util.concurrent.Executor THREADS = task -> {
        Thread t = new Thread(task, "rank");
        t.setDaemon(true);
        t.start();
    };

    /** A model that throws on its {@code failAt}-th forward (0: never). */
    static final class Failing extends Module {
        private final Module inner;
        private final int failAt;
        private int calls;

        Failing(Backend b, Module inner, int failAt) {
            super(b);
            this.inner = child("net", inner);
            this.failAt = failAt;
        }

        @Override
        public Tensor forward(Tensor x) {
            if (++calls == failAt) throw new IllegalStateException("planted failure in forward " + calls);
            return inner.forward(x);
        }

        @Override
        public Tensor backward(Tensor dy) {
            return inner.backward(dy);
        }

        @Override
        public void requireInputGradient(boolean on) {
            inner.requireInputGradient(on);
        }
    }

    static Module mlp(Backend b, int classes, int failAt) {
        return new Failing(b, Models.build(Models.Kind.MLP, b, 1, 8, 8, classes, Models.Norm.BEFORE_RELU, 3), failAt);
    }

    /** Runs {@code ranks} ranks, each on a thread; returns each rank's outcome (null or its exception). */
    static List<Throwable> run(int ranks, Duration timeout, IntFunction<Module> model, int steps, int stopAfter) {
        List<LocalCollective> group = LocalCollective.group(ranks, timeout);
        List<CompletableFuture<Throwable>> outcomes = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            outcomes.add(CompletableFuture.supplyAsync(() -> {
                try (Module m = model.apply(rank); Sgd sgd = new Sgd(m.parameters(), 0.1, 0.9, 0);
                        DataParallelRank dp = new DataParallelRank(group.get(rank), m, sgd,
                                LrSchedule.constant(0.1))) {
                    Batches batches = new Batches(DATA, 16, true);
                    for (int s = 0; s < steps && !(rank == 1 && s == stopAfter); s++) dp.trainStep(batches, s);
                    if (rank == 1 && stopAfter >= 0) Thread.sleep(timeout.toMillis() * 3);
                    return null;
                } catch (Throwable e) {
                    group.get(rank).abort(e);
                    return e;
                }
            }, THREADS));
        }
        List<Throwable> out = new ArrayList<>();
        for (CompletableFuture<Throwable> f : outcomes) out.add(f.orTimeout(60, TimeUnit.SECONDS).join());
        return out;
    }

    @Test
    void aRankThatThrowsMidStepMakesTheOtherFailNamingIt() {
        long start = System.nanoTime();
        List<Throwable> outcome = run(2, Duration.ofSeconds(30), r -> mlp(new ReferenceBackend(), 4,
                r == 1 ? 3 : 0), 5, -1);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertInstanceOf(IllegalStateException.class, outcome.get(1));
        CollectiveException e = assertInstanceOf(CollectiveException.class, outcome.get(0));
        assertTrue(e.getMessage().contains("rank 1 failed") && e.getMessage().contains("planted failure"),
                e.getMessage());
        assertTrue(seconds < 20, "rank 0 waited " + seconds + " s instead of failing at once");
    }

    @Test
    void aRankThatStopsMakesTheOtherFailWithinTheTimeout() {
        long start = System.nanoTime();
        List<Throwable> outcome = run(2, Duration.ofSeconds(2), r -> mlp(new ReferenceBackend(), 4, 0), 5, 2);
        double seconds = (System.nanoTime() - start) / 1e9;
        CollectiveException e = assertInstanceOf(CollectiveException.class, outcome.get(0));
        assertTrue(e.getMessage().contains("timed out") && e.getMessage().contains("rank 1"), e.getMessage());
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    @Test
    void mismatchedModelsAreRefusedOnEveryRank() {
        List<Throwable> outcome = run(2, Duration.ofSeconds(30), r -> mlp(new ReferenceBackend(), 4 + r, 0), 1, -1);
        for (Throwable t : outcome) {
            assertNotNull(t, "a rank accepted a model of another shape");
            assertTrue(t instanceof CollectiveException && t.getMessage().contains("models differ"), t.toString());
        }
    }

    @Test
    void theTrainerThrowsTheFailingRanksError() {
        List<Backend> backends = List.of(new ReferenceBackend(), new ReferenceBackend());
        try (DataParallelTrainer t = new DataParallelTrainer(backends, b -> mlp(b, 4, b == backends.get(1) ? 2 : 0),
                new DataParallelTrainer.SgdSettings(0.1, 0.9, 0), LrSchedule.constant(0.1), 16,
                Duration.ofSeconds(30))) {
            Batches batches = new Batches(DATA, 16, true);
            t.trainStep(batches, 0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.trainStep(batches, 1));
            assertTrue(e.getMessage().contains("planted failure"), e.getMessage());
        }
    }

    @Test
    void everyRankGetsTheSameBitsAndMismatchedLengthsNameTheRank() {
        List<LocalCollective> group = LocalCollective.group(3, Duration.ofSeconds(30));
        RandomFill r = new RandomFill(11);
        float[][] parts = {r.normal(1000), r.normal(1000), r.normal(1000)};
        float[] expected = new float[1000];
        RankOrder.sum(parts, expected);
        List<CompletableFuture<float[]>> sums = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            int rank = k;
            sums.add(CompletableFuture.supplyAsync(() -> {
                float[] mine = parts[rank].clone();
                group.get(rank).allReduceSum(mine);
                return mine;
            }, THREADS));
        }
        for (CompletableFuture<float[]> f : sums) assertArrayEquals(expected, f.orTimeout(30, TimeUnit.SECONDS).join());
        List<CompletableFuture<Throwable>> bad = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            int rank = k;
            bad.add(CompletableFuture.supplyAsync(() -> {
                try {
                    group.get(rank).allGather(new double[rank == 2 ? 5 : 4]);
                    return null;
                } catch (CollectiveException e) {
                    return e;
                }
            }, THREADS));
        }
        for (CompletableFuture<Throwable> f : bad) {
            Throwable t = f.orTimeout(30, TimeUnit.SECONDS).join();
            assertTrue(t != null && t.getMessage().contains("rank 2 sent 5 values"), String.valueOf(t));
        }
    }
}
