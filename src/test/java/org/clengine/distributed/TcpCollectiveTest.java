package org.clengine.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TcpCollective} with its ranks as threads of this JVM on 127.0.0.1: results bit for bit. */
class TcpCollectiveTest {
    private static final Duration IO = Duration.ofSeconds(20);
    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** Empty, one, fewer than the ranks, a prime, and the train CNN's gradient count divided by no rank count. */
    private static final int[] SIZES = {0, 1, 3, 7, 1031, 100_003};

    @ParameterizedTest(name = "world {0}")
    @ValueSource(ints = {1, 2, 3, 5, 8})
    void allReduceSumIsTheRankOrderSumOnEveryRank(int world) throws Exception {
        long seed = TestBackends.seed();
        var outcomes = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), world, IO), c -> {
            List<float[]> results = new ArrayList<>();
            for (int step = 0; step < SIZES.length; step++) {
                float[] x = TcpRanks.data(seed, c.rank(), step, SIZES[step]);
                c.allReduceSum(x);
                results.add(x);
            }
            return results;
        }, LIMIT);
        for (int r = 0; r < world; r++) {
            assertNull(outcomes.get(r).error(), outcomes.get(r).message());
            for (int step = 0; step < SIZES.length; step++) {
                float[] want = TcpRanks.expectedSum(seed, world, step, SIZES[step]);
                assertArrayEquals(want, outcomes.get(r).value().get(step), "rank " + r + " of " + world + ", "
                        + SIZES[step] + " values, differs from RankOrder.sum (reproduce with -Dclengine.seed=" + seed + ")");
            }
        }
    }

    @Test
    void allReduceSumHasTheBitsOfLocalCollective() throws Exception {
        long seed = TestBackends.seed();
        int world = 4;
        int n = 100_003;
        var tcp = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), world, IO), c -> {
            float[] x = TcpRanks.data(seed, c.rank(), 0, n);
            c.allReduceSum(x);
            return x;
        }, LIMIT);
        List<LocalCollective> local = LocalCollective.group(world, IO);
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<float[]>> sums = new ArrayList<>();
            for (LocalCollective c : local) {
                sums.add(pool.submit(() -> {
                    float[] x = TcpRanks.data(seed, c.rank(), 0, n);
                    c.allReduceSum(x);
                    return x;
                }));
            }
            for (int r = 0; r < world; r++) {
                assertNull(tcp.get(r).error(), tcp.get(r).message());
                assertArrayEquals(sums.get(r).get(60, TimeUnit.SECONDS), tcp.get(r).value(), "rank " + r
                        + ": TCP and LocalCollective differ (reproduce with -Dclengine.seed=" + seed + ")");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void allGatherGivesEveryRanksArrayInRankOrder() throws Exception {
        long seed = TestBackends.seed();
        int world = 3;
        var outcomes = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), world, IO), c -> {
            float[][] f = c.allGather(TcpRanks.data(seed, c.rank(), 0, 1031));
            double[] d = new double[5];
            for (int i = 0; i < d.length; i++) d[i] = c.rank() * 10.0 + i + 1e-13;
            double[][] g = c.allGather(d);
            c.barrier();
            return new Object[] {f, g};
        }, LIMIT);
        for (int r = 0; r < world; r++) {
            assertNull(outcomes.get(r).error(), outcomes.get(r).message());
            float[][] f = (float[][]) outcomes.get(r).value()[0];
            double[][] g = (double[][]) outcomes.get(r).value()[1];
            for (int s = 0; s < world; s++) {
                assertArrayEquals(TcpRanks.data(seed, s, 0, 1031), f[s], "rank " + r + " got rank " + s + "'s floats");
                assertEquals(s * 10.0 + 4 + 1e-13, g[s][4], "rank " + r + " got rank " + s + "'s doubles");
            }
        }
    }

    @Test
    void arraysOfDifferentLengthsAreAnErrorNamingTheRank() throws Exception {
        var outcomes = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), 2, IO), c -> {
            c.allReduceSum(new float[c.rank() == 1 ? 9 : 8]);
            return null;
        }, LIMIT);
        assertTrue(outcomes.get(0).message().contains("rank 1 sent 9 values where rank 0 has 8"),
                outcomes.get(0).message());
        assertTrue(outcomes.get(1).message().contains("rank 0 sent 8 values where rank 1 has 9"),
                outcomes.get(1).message());
    }

    @Test
    void callsInDifferentOrdersAreAnError() throws Exception {
        var outcomes = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), 2, IO), c -> {
            if (c.rank() == 0) c.allReduceSum(new float[4]);
            else c.allGather(new double[4]);
            return null;
        }, LIMIT);
        for (var o : outcomes) {
            assertTrue(o.message().contains("the ranks call the collective in different orders"), o.message());
        }
    }
}
