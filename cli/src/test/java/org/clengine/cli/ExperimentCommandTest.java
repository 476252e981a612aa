package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./clengine experiment} at tiny size on synthetic IDX files written here (never the network): every output
 * file is written, every number is finite, and unknown names or missing data are one-line errors.
 */
class ExperimentCommandTest {
    @TempDir
    Path dir;

    private String err = "";

    private int run(String... args) {
        StringWriter e = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(e))
                .execute(args);
        err = e.toString();
        return code;
    }

    @Test
    void bnPaperMnistSmoke() throws IOException {
        Path data = dir.resolve("mnist");
        writeSyntheticMnist(data, 180, 70, 3);
        Path out = dir.resolve("out");
        assertEquals(0, run("experiment", "bn-paper-mnist", "--backend", "reference", "--data", data.toString(),
                "--steps", "6", "--checkpoints", "3", "--seed", "4", "--quiet", "--out", out.toString()), err);
        List<String> acc = Files.readAllLines(out.resolve("accuracy.csv"));
        assertEquals(5, acc.size(), String.join("\n", acc));
        List<String> sig = Files.readAllLines(out.resolve("sigmoid-input.csv"));
        assertEquals(9, sig.size(), String.join("\n", sig));
        assertFinite(acc);
        assertFinite(sig);
        assertTrue(Files.size(out.resolve("bn-paper-mnist.png")) > 0);
    }

    /** small-batch on OpenCL: one batch-128 step's worth of images (128) per run, six runs, on 256 images. */
    @Test
    void smallBatchSmoke() throws IOException {
        OpenClRequired.check();
        Path data = dir.resolve("mnist");
        writeSyntheticMnist(data, 256, 40, 5);
        Path out = dir.resolve("small");
        assertEquals(0, run("experiment", "small-batch", "--data", data.toString(), "--steps", "1",
                "--checkpoints", "1", "--seed", "2", "--quiet", "--out", out.toString()), err);
        List<String> fin = Files.readAllLines(out.resolve("small-batch-final.csv"));
        assertEquals(1 + 6, fin.size(), String.join("\n", fin));
        assertTrue(fin.get(3).startsWith("b4-bn,4,0,false,32,"), fin.get(3));
        assertTrue(fin.get(6).startsWith("b2-renorm,2,0,true,64,"), fin.get(6));
        List<String> csv = Files.readAllLines(out.resolve("small-batch.csv"));
        assertEquals(1 + 6 * 2, csv.size(), String.join("\n", csv));
        assertFinite(csv.stream().map(r -> r.substring(r.indexOf(',') + 1)).toList());
        assertFinite(fin.stream().map(r -> r.substring(r.indexOf(',') + 1)).toList());
        assertTrue(Files.size(out.resolve("small-batch.png")) > 0);
    }

    /** The CNN experiments on OpenCL (the reference convolution takes minutes): 3 steps on 96 synthetic images. */
    @Test
    void cnnExperimentsSmoke() throws IOException {
        OpenClRequired.check();
        Path data = dir.resolve("mnist");
        writeSyntheticMnist(data, 96, 40, 5);
        Path out = dir.resolve("cnn");
        for (String name : List.of("bn-placement", "train-vs-eval")) {
            assertEquals(0, run("experiment", name, "--data", data.toString(), "--steps", "3",
                    "--checkpoints", "1", "--seed", "2", "--quiet", "--out", out.toString()), err);
            List<String> csv = Files.readAllLines(out.resolve(name + ".csv"));
            assertEquals(3, csv.size(), String.join("\n", csv));
            assertFinite(csv);
            assertTrue(Files.size(out.resolve(name + ".png")) > 0, name);
        }
        List<String> tve = Files.readAllLines(out.resolve("train-vs-eval.csv"));
        assertTrue(tve.get(0).endsWith(",logit_gap_mean_abs,logit_gap_relative_l2,prediction_disagreement"),
                tve.get(0));
        for (String row : tve.subList(1, tve.size())) {
            String[] c = row.split(",");
            assertTrue(Double.parseDouble(c[4]) >= 0 && Double.parseDouble(c[5]) >= 0, row);
            assertTrue(Double.parseDouble(c[6]) >= 0 && Double.parseDouble(c[6]) <= 1, row);
        }
        assertEquals(0, run("experiment", "lr-sweep", "--data", data.toString(), "--steps", "2", "--seed", "2",
                "--quiet", "--out", out.toString()), err);
        List<String> sweep = Files.readAllLines(out.resolve("lr-sweep.csv"));
        assertEquals(1 + 2 * 8, sweep.size(), String.join("\n", sweep));
        for (String row : sweep.subList(1, sweep.size())) {
            assertTrue(Double.isFinite(Double.parseDouble(row.split(",")[2])), row);
        }
        assertTrue(Files.size(out.resolve("lr-sweep.png")) > 0);
    }

    /**
     * smoothness on OpenCL: 2 steps, 2 checkpoints, both networks: 6 rows of positive, finite figures with
     * loss_min ≤ loss_max, and the plot.
     */
    @Test
    void smoothnessSmoke() throws IOException {
        OpenClRequired.check();
        Path data = dir.resolve("mnist");
        writeSyntheticMnist(data, 96, 40, 6);
        Path out = dir.resolve("smooth");
        assertEquals(0, run("experiment", "smoothness", "--data", data.toString(), "--steps", "2",
                "--checkpoints", "2", "--seed", "3", "--quiet", "--out", out.toString()), err);
        List<String> csv = Files.readAllLines(out.resolve("smoothness.csv"));
        assertEquals("step,bn,loss,gradient_norm,loss_min,loss_max,gradient_change_max,beta_max", csv.get(0));
        assertEquals(1 + 2 * 3, csv.size(), String.join("\n", csv));
        assertFinite(csv);
        for (String row : csv.subList(1, csv.size())) {
            String[] c = row.split(",");
            assertTrue(Double.parseDouble(c[4]) <= Double.parseDouble(c[5]), "loss_min <= loss_max: " + row);
            for (int i = 2; i < c.length; i++) assertTrue(Double.parseDouble(c[i]) > 0, row);
        }
        assertTrue(csv.stream().anyMatch(r -> r.contains(",true,")), "a run with BN");
        assertTrue(csv.stream().anyMatch(r -> r.contains(",false,")), "a run without BN");
        assertTrue(Files.size(out.resolve("smoothness.png")) > 0);
    }

    @Test
    void unknownNameAndMissingDataAreErrors() {
        assertEquals(2, run("experiment", "no-such-thing"));
        assertTrue(err.contains("unknown experiment 'no-such-thing'"), err);
        assertEquals(2, run("experiment", "bn-paper-mnist", "--data", dir.resolve("nowhere").toString()));
        assertTrue(err.contains("--fetch"), err);
    }

    /** Every cell after the header that is not true/false parses to a finite double. */
    private static void assertFinite(List<String> csv) {
        for (String row : csv.subList(1, csv.size())) {
            for (String cell : row.split(",")) {
                if (cell.equals("true") || cell.equals("false")) continue;
                assertTrue(Double.isFinite(Double.parseDouble(cell)), row);
            }
        }
    }

    /** MNIST-format IDX files (uncompressed) of random 28×28 images whose labels follow their mean brightness. */
    static void writeSyntheticMnist(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom r = new SplittableRandom(seed);
        for (String prefix : List.of("train", "t10k")) {
            int n = prefix.equals("train") ? train : test;
            byte[] labels = new byte[n];
            byte[] pixels = new byte[n * 28 * 28];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) r.nextInt(10);
                for (int p = 0; p < 784; p++) pixels[i * 784 + p] = (byte) r.nextInt(25 * labels[i] + 1);
            }
            try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix
                    + "-images-idx3-ubyte")))) {
                o.writeInt(0x0803);
                o.writeInt(n);
                o.writeInt(28);
                o.writeInt(28);
                o.write(pixels);
            }
            try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix
                    + "-labels-idx1-ubyte")))) {
                o.writeInt(0x0801);
                o.writeInt(n);
                o.write(labels);
            }
        }
    }
}
