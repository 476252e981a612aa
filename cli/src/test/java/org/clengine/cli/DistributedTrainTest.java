package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./clengine train --world-size 2} as two processes on 127.0.0.1: 20 steps leave the same parameters on both
 * ranks, bit for bit, and those of the in-process two-device run ({@code train --devices 2}: two PoCL sub-devices).
 * Bad flags and mismatched ranks are one-line errors.
 */
class DistributedTrainTest {
    /** 640 images in global batches of 32: 20 steps of the CNN with batch norm (synchronized). */
    private static final List<String> OPTIONS = List.of("--model", "cnn", "--limit", "640", "--batch", "32",
            "--epochs", "1", "--test-limit", "64", "--seed", "3", "--quiet");

    @TempDir
    Path dir;

    @Test
    void twoProcessesEndWithTheSameBitsAsEachOtherAndTheTwoDeviceRun() throws Exception {
        TrainCommandTest.requireData();
        OpenClRequired.check();
        Path out = dir.resolve("processes");
        Files.createDirectories(out);
        int port = freePort();
        List<Process> ranks = new ArrayList<>();
        try {
            for (int r = 0; r < 2; r++) ranks.add(startRank(r, port, out));
            for (int r = 0; r < 2; r++) {
                assertTrue(ranks.get(r).waitFor(180, TimeUnit.SECONDS), "rank " + r + " hung");
                assertEquals(0, ranks.get(r).exitValue(), Files.readString(out.resolve(r + ".log")));
            }
        } finally {
            ranks.forEach(Process::destroyForcibly);
        }
        byte[] rank0 = Files.readAllBytes(out.resolve("model.safetensors"));
        assertArrayEquals(rank0, Files.readAllBytes(out.resolve("rank-1/model.safetensors")),
                "the two ranks' parameters differ after 20 steps");
        assertArrayEquals(twoDeviceRun(), rank0, "two processes differ from the in-process two-device run");
    }

    @Test
    void ranksWithOtherSettingsAreRefusedNamingTheDifference() throws Exception {
        TrainCommandTest.requireData();
        OpenClRequired.check();
        int port = freePort();
        var rank1 = CompletableFuture.supplyAsync(() -> run("train", "--model", "mlp", "--limit", "64", "--batch", "32", "--lr",
                "0.05", "--world-size", "2", "--rank", "1", "--master", "127.0.0.1:" + port, "--timeout", "30",
                "--out", dir.resolve("b").toString()));
        String rank0 = run("train", "--model", "mlp", "--limit", "64", "--batch", "32", "--world-size", "2", "--rank", "0",
                "--master", "127.0.0.1:" + port, "--timeout", "30", "--out", dir.resolve("a").toString());
        String r1 = rank1.get(60, TimeUnit.SECONDS);
        assertTrue(rank0.startsWith("4 clengine: rank 1 and rank 0 disagree (mismatched models?)")
                && rank0.contains("lr 0.05") && rank0.contains("lr 0.1"), rank0);
        assertTrue(r1.startsWith("4 clengine: rank 0 refused rank 1: rank 1 and rank 0 disagree"), r1);
    }

    @Test
    void badDistributedFlagsAreOneLineErrors() {
        assertEquals("2 clengine: --world-size needs --master HOST:PORT", run("train", "--world-size", "2").strip());
        assertEquals("2 clengine: --rank 2 is not in 0..1", run("train", "--world-size", "2", "--rank", "2",
                "--master", "127.0.0.1:1").strip());
        assertTrue(run("train", "--world-size", "2", "--devices", "2", "--master", "127.0.0.1:1")
                .startsWith("2 clengine: --devices and --world-size exclude each other"));
    }

    /** The exit code and the error output of an in-process run. */
    private static String run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        return code + " " + err;
    }

    /** The same 20 steps by {@code train --devices 2} in this JVM (two sub-devices), rank 0's state as saved. */
    private byte[] twoDeviceRun() throws IOException {
        Path out = dir.resolve("two-devices");
        List<String> args = new ArrayList<>(List.of("train", "--devices", "2", "--out", out.toString()));
        args.addAll(OPTIONS);
        String result = run(args.toArray(new String[0]));
        assertTrue(result.startsWith("0 "), result);
        return Files.readAllBytes(out.resolve("model.safetensors"));
    }

    private static Process startRank(int rank, int port, Path out) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train"));
        cmd.addAll(OPTIONS);
        cmd.addAll(List.of("--out", out.toString(), "--world-size", "2", "--rank", "" + rank, "--master",
                "127.0.0.1:" + port));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolve(rank + ".log").toFile())
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
