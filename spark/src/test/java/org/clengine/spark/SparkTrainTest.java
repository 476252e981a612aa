package org.clengine.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark {@code local[2]} barrier job of two ranks, 20 steps: both ranks end with the same parameters, bit for bit,
 * and those of the same training as two plain processes ({@code train --world-size 2} on 127.0.0.1).
 */
class SparkTrainTest {
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    /** 640 images in global batches of 32: 20 steps. */
    static final List<String> OPTIONS = List.of("--model", "cnn", "--limit", "640", "--batch", "32", "--epochs", "1",
            "--test-limit", "64", "--seed", "3", "--quiet");

    @TempDir
    Path dir;

    @Test
    void aLocalBarrierJobOfTwoRanksEqualsTwoProcessesBitForBit() throws Exception {
        requireData();
        Path viaSpark = dir.resolve("spark");
        List<String> options = new ArrayList<>(OPTIONS);
        options.addAll(List.of("--out", viaSpark.toString()));
        long t0 = System.nanoTime();
        List<SparkTrain.RankResult> results;
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"))) {
            results = SparkTrain.train(sc, 2, options.toArray(new String[0]));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, results.size());
        assertTrue(results.get(0).out().contains("epoch 1/1"), results.get(0).out());
        assertTrue(seconds < 60, "the Spark job took " + seconds + " s, over the 60 s budget");

        Path viaProcesses = dir.resolve("processes");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) ranks.add(startRank(r, port, viaProcesses));
        for (int r = 0; r < 2; r++) {
            Process p = ranks.get(r);
            boolean done = p.waitFor(300, TimeUnit.SECONDS);   // the ranks time out by themselves within 60 s of no progress
            if (!done) ranks.forEach(Process::destroyForcibly);
            assertTrue(done, "rank " + r + " as a process hung");
            assertEquals(0, p.exitValue(), "rank " + r + ": " + Files.readString(viaProcesses.resolve(r + ".log")));
        }
        byte[] reference = Files.readAllBytes(viaProcesses.resolve("model.safetensors"));
        assertArrayEquals(reference, Files.readAllBytes(viaProcesses.resolve("rank-1/model.safetensors")),
                "the two processes' replicas differ");
        assertArrayEquals(reference, Files.readAllBytes(viaSpark.resolve("model.safetensors")),
                "Spark's rank 0 differs from the two processes' run");
        assertArrayEquals(reference, Files.readAllBytes(viaSpark.resolve("rank-1/model.safetensors")),
                "Spark's rank 1 differs from the two processes' run");
    }

    private static Process startRank(int rank, int port, Path out) throws IOException {
        Files.createDirectories(out);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.clengine.cli.Main", "train"));
        cmd.addAll(OPTIONS);
        cmd.addAll(List.of("--out", out.toString(), "--world-size", "2", "--rank", "" + rank, "--master",
                "127.0.0.1:" + port));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolve(rank + ".log").toFile())
                .start();
    }

    static void requireData() {
        boolean present = Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + DATA + " is missing; apt-get install dataset-fashion-mnist");
        }
        assumeTrue(present, "SKIPPED: no " + DATA + " (apt-get install dataset-fashion-mnist)");
    }
}
