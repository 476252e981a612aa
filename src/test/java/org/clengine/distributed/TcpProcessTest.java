package org.clengine.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link TcpCollective} between real processes ({@code java} on the test class path) on 127.0.0.1. */
class TcpProcessTest {
    private static final int N = 100_003;
    private final List<Process> children = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    @AfterEach
    void killChildren() throws IOException {
        for (Process p : children) p.destroyForcibly();
        for (Path log : logs) Files.deleteIfExists(log);
    }

    @Test
    void threeProcessesEndWithTheRankOrderSumsBitForBit() throws Exception {
        long seed = TestBackends.seed();
        int port = TcpRanks.freePort();
        for (int r = 1; r < 3; r++) start(port, 3, r, 5, seed, 0);
        long mine;
        try (TcpCollective c = TcpCollective.connect(TcpRanks.config(port, 3, 0, "cnn:test", Duration.ofSeconds(30)))) {
            mine = TcpRankMain.run(c, 5, N, seed);
        }
        String want = "bits " + TcpRankMain.expected(3, 5, N, seed);
        assertEquals(want, "bits " + mine, "rank 0 (reproduce with -Dclengine.seed=" + seed + ")");
        for (int r = 1; r < 3; r++) {
            assertEquals(0, finish(r - 1), output(r - 1));
            assertEquals(want, output(r - 1).strip(), "rank " + r + " (reproduce with -Dclengine.seed=" + seed + ")");
        }
    }

    @Test
    void aRankKilledMidStepFailsTheOthersWithinTheTimeoutNamingIt() throws Exception {
        int port = TcpRanks.freePort();
        Process child = start(port, 2, 1, 3, 1, 60_000);
        Duration io = Duration.ofSeconds(20);
        try (TcpCollective c = TcpCollective.connect(TcpRanks.config(port, 2, 0, "cnn:test", io))) {
            TcpRankMain.run(c, 3, N, 1);
            Thread killer = new Thread(() -> {
                sleep(300);
                child.destroyForcibly();   // SIGKILL while rank 0 waits in the next all-reduce
            });
            killer.start();
            long t0 = System.nanoTime();
            CollectiveException e = assertThrows(CollectiveException.class, () -> c.allReduceSum(new float[N]));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("rank 1 closed its connection")
                    || e.getMessage().contains("connection to rank 1 failed"), e.getMessage());
            assertTrue(seconds < 5, "rank 0 took " + seconds + " s to notice the kill (I/O timeout " + io + ")");
            killer.join();
        }
    }

    @Test
    void aWrongWorldSizeEndsTheOtherProcessWithTheReason() throws Exception {
        int port = TcpRanks.freePort();
        start(port, 3, 1, 1, 1, 0);
        TcpConfig c = TcpRanks.config(port, 2, 0, "cnn:test", Duration.ofSeconds(30));
        CollectiveException e = assertThrows(CollectiveException.class, () -> TcpCollective.connect(c));
        assertTrue(e.getMessage().contains("world sizes differ"), e.getMessage());
        assertEquals(3, finish(0), output(0));
        assertTrue(output(0).contains("error rank 0 refused rank 1: world sizes differ"), output(0));
    }

    private Process start(int port, int world, int rank, int steps, long seed, long pauseMs) throws IOException {
        Path log = Files.createTempFile("clengine-rank", ".log");
        logs.add(log);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), TcpRankMain.class.getName(),
                "" + port, "" + world, "" + rank, "" + steps, "" + N, "" + seed, "" + pauseMs)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(p);
        return p;
    }

    /** The child's exit code, waiting at most 60 s (then the test fails rather than hangs). */
    private int finish(int i) throws InterruptedException {
        assertTrue(children.get(i).waitFor(60, TimeUnit.SECONDS), "a rank process hung");
        return children.get(i).exitValue();
    }

    private String output(int i) throws IOException {
        return Files.readString(logs.get(i), StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
