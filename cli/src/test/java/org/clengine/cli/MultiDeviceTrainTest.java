package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./clengine train --devices 2} on two sub-devices of the CPU device (cpu/2): the run learns and writes every
 * output, and on the reference backend its curves equal {@code --devices 1}'s within rounding (SyncBN and summed
 * gradients are the full-batch step); bad --devices values are one-line errors.
 */
class MultiDeviceTrainTest {
    @TempDir
    Path dir;

    @Test
    void twoSubDevicesLearnAndWriteEveryOutput() throws IOException {
        TrainCommandTest.requireData();
        OpenClRequired.check();
        Path out = dir.resolve("two");
        assertEquals(0, TrainCommandTest.run("train", "--devices", "2", "--device", "cpu/2", "--model", "mlp",
                "--limit", "2048", "--test-limit", "1000", "--epochs", "2", "--batch", "64", "--seed", "5", "--out",
                out.toString()), TrainCommandTest.LAST_ERR);
        String[] epoch2 = Files.readAllLines(out.resolve("epochs.csv")).get(2).split(",");
        assertTrue(Double.parseDouble(epoch2[4]) > 0.75, "test accuracy " + epoch2[4]);
        for (String f : List.of("epochs.csv", "steps.csv", "curves.png", "model.safetensors")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }

    @Test
    void twoReferenceRanksFollowOneOnTheSameBatches() throws IOException {
        TrainCommandTest.requireData();
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        for (Path out : List.of(one, two)) {
            assertEquals(0, TrainCommandTest.run("train", "--backend", "reference", "--devices",
                    out == one ? "1" : "2", "--model", "mlp", "--limit", "256", "--test-limit", "100", "--epochs",
                    "1", "--batch", "64", "--seed", "3", "--out", out.toString()), TrainCommandTest.LAST_ERR);
        }
        List<String> a = Files.readAllLines(one.resolve("steps.csv"));
        List<String> b = Files.readAllLines(two.resolve("steps.csv"));
        assertEquals(a.size(), b.size());
        for (int i = 1; i < a.size(); i++) {
            double la = Double.parseDouble(a.get(i).split(",")[2]);
            double lb = Double.parseDouble(b.get(i).split(",")[2]);
            assertTrue(Math.abs(la - lb) <= 1e-4 * Math.abs(la), "step " + i + ": loss " + lb + " vs " + la);
        }
    }

    @Test
    void badDeviceCountsAreOneLineErrors() {
        TrainCommandTest.requireData();
        assertEquals(2, TrainCommandTest.run("train", "--backend", "reference", "--devices", "0", "--limit", "64"));
        assertTrue(TrainCommandTest.LAST_ERR.contains("--devices must be at least 1, got 0"),
                TrainCommandTest.LAST_ERR);
        OpenClRequired.check();
        assertEquals(2, TrainCommandTest.run("train", "--devices", "3", "--device", "cpu/2", "--limit", "64", "--batch", "32"));
        assertTrue(TrainCommandTest.LAST_ERR.contains("gives 2 sub-devices, but 3 devices were asked for"),
                TrainCommandTest.LAST_ERR);
    }
}
