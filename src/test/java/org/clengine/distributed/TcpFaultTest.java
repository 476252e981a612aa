package org.clengine.distributed;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each fault of {@link TcpCollective} is a clear error naming the ranks, within a bounded time, never a hang. */
class TcpFaultTest {
    private static final Duration IO = Duration.ofSeconds(3);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void wrongWorldSizeIsRefusedOnBothSides() throws Exception {
        int port = TcpRanks.freePort();
        var outcomes = TcpRanks.threads(List.of(TcpRanks.config(port, 2, 0, "m", IO),
                TcpRanks.config(port, 3, 1, "m", IO)), c -> null, LIMIT);
        String want = "world sizes differ: the process at";
        assertTrue(outcomes.get(0).message().contains(want) && outcomes.get(0).message().contains("(rank 1) has "
                + "world size 3, rank 0 has 2"), outcomes.get(0).message());
        assertTrue(outcomes.get(1).message().startsWith("rank 0 refused rank 1: " + want), outcomes.get(1).message());
    }

    @Test
    void aRankClaimedTwiceIsRefused() throws Exception {
        int port = TcpRanks.freePort();
        var outcomes = TcpRanks.threads(List.of(TcpRanks.config(port, 3, 0, "m", IO),
                TcpRanks.config(port, 3, 1, "m", IO), TcpRanks.config(port, 3, 1, "m", IO)), c -> null, LIMIT);
        for (var o : outcomes) assertTrue(o.message().contains("rank 1 is claimed twice"), o.message());
    }

    @Test
    void mismatchedFingerprintsNameBothModels() throws Exception {
        int port = TcpRanks.freePort();
        var outcomes = TcpRanks.threads(List.of(TcpRanks.config(port, 2, 0, "conv1.weight[8,1,3,3]", IO),
                TcpRanks.config(port, 2, 1, "conv1.weight[16,1,3,3]", IO)), c -> null, LIMIT);
        String want = "rank 1 and rank 0 disagree (mismatched models?): rank 1 has 'conv1.weight[16,1,3,3]', rank 0 "
                + "has 'conv1.weight[8,1,3,3]'";
        for (var o : outcomes) assertTrue(o.message().contains(want), o.message());
    }

    @Test
    void aMasterPortInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TcpConfig c = TcpRanks.config(taken.getLocalPort(), 2, 0, "", IO);
            CollectiveException e = assertThrows(CollectiveException.class, () -> TcpCollective.connect(c));
            assertTrue(e.getMessage().contains("rank 0 cannot listen at 127.0.0.1:" + taken.getLocalPort())
                    && e.getMessage().contains("the port is in use"), e.getMessage());
        }
    }

    @Test
    void aRankThatNeverJoinsIsNamedAtTheConnectTimeout() throws Exception {
        TcpConfig c = TcpRanks.config(TcpRanks.freePort(), 3, 0, "", IO).withTimeouts(Duration.ofSeconds(2), IO);
        long t0 = System.nanoTime();
        CollectiveException e = assertThrows(CollectiveException.class, () -> TcpCollective.connect(c));
        assertTrue(e.getMessage().contains("waited 2 s for rank(s) [1, 2] to connect"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "took " + (System.nanoTime() - t0) / 1e9 + " s");
    }

    @Test
    void aMissingMasterIsNamedAtTheConnectTimeout() throws Exception {
        TcpConfig c = TcpRanks.config(TcpRanks.freePort(), 2, 1, "", IO).withTimeouts(Duration.ofSeconds(2), IO);
        CollectiveException e = assertThrows(CollectiveException.class, () -> TcpCollective.connect(c));
        assertTrue(e.getMessage().contains("could not connect to rank 0 at 127.0.0.1:"), e.getMessage());
    }

    @Test
    void aRankThatClosesMidStepFailsTheOthersAtOnceNamingIt() throws Exception {
        long t0 = System.nanoTime();
        var outcomes = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), 3, Duration.ofSeconds(20)), c -> {
            for (int step = 0; step < 3; step++) c.allReduceSum(new float[1000]);
            if (c.rank() == 2) return null;   // its collective closes as it leaves, mid-run
            c.allReduceSum(new float[1000]);
            return null;
        }, LIMIT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // the first survivor to notice names rank 2 and closes its own connections, so the other may see that
        // survivor's closing first and name it instead: the failure spreads, it does not wait for a timeout
        boolean someNameRank2 = false;
        for (int r = 0; r < 2; r++) {
            String m = outcomes.get(r).message();
            boolean names2 = m.contains("rank 2 closed its connection") || m.contains("connection to rank 2 failed");
            boolean namesOther = m.contains("rank " + (1 - r) + " closed its connection")
                    || m.contains("connection to rank " + (1 - r) + " failed");
            assertTrue(names2 || namesOther, m);
            someNameRank2 |= names2;
        }
        assertTrue(someNameRank2, outcomes.get(0).message() + " / " + outcomes.get(1).message());
        assertTrue(seconds < 10, "the others took " + seconds + " s to notice, not at once (I/O timeout 20 s)");
    }

    @Test
    void aStalledRankIsNamedAtTheIoTimeout() throws Exception {
        var outcomes = TcpRanks.threads(TcpRanks.world(TcpRanks.freePort(), 2, IO), c -> {
            if (c.rank() == 1) {
                Thread.sleep(IO.toMillis() * 3);   // alive, connected, but not calling
                return null;
            }
            long t0 = System.nanoTime();
            try {
                c.allReduceSum(new float[10]);
            } catch (CollectiveException e) {
                return (System.nanoTime() - t0) / 1e9 + " s: " + e.getMessage();
            }
            return "no error";
        }, LIMIT);
        String m = outcomes.get(0).value();
        assertTrue(m.contains("rank 0 timed out after 3.0 s without a byte from or to rank(s) [1]"), m);
        assertTrue(Double.parseDouble(m.substring(0, m.indexOf(' '))) < IO.toSeconds() + 2, m);
    }
}
