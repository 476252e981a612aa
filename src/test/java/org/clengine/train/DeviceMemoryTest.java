package org.clengine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.clengine.data.Dataset;
import org.clengine.device.Device;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.backend.OpenClBackend;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

/** After the first step a training step allocates nothing: device buffers and bytes stay flat over 1,000 steps. */
class DeviceMemoryTest {

    @Test
    void flatOverAThousandSteps() {
        OpenClBackend cl = TestBackends.openCl();
        Device device = cl.device();
        Dataset data = synthetic(64, 10, 8, 8, 5, TestBackends.seed());
        train(cl, data, 1); // the ops' device scratch buffers now exist and have their sizes
        int before = device.liveBuffers();
        long bytesBefore = device.liveBytes();
        try (Sequential net = Models.build(Models.Kind.CNN, cl, 1, 8, 8, 5, Models.Norm.BEFORE_RELU, 1);
                Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 5e-4);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.cosine(0.05, 1000, 0), 8)) {
            trainer.trainEpoch(data, 1, 0, null); // 8 steps: the first allocates
            trainer.evaluate(data);
            int buffers = device.liveBuffers();
            long bytes = device.liveBytes();
            for (int epoch = 1; epoch < 125; epoch++) {
                trainer.trainEpoch(data, 1, epoch, null);
                if (epoch % 25 == 0) trainer.evaluate(data);
                assertEquals(buffers, device.liveBuffers(), "live device buffers after epoch " + epoch);
                assertEquals(bytes, device.liveBytes(), "live device bytes after epoch " + epoch);
            }
            assertEquals(1000, trainer.steps());
        }
        assertEquals(before, device.liveBuffers(), "closing the model, optimizer and trainer frees their buffers");
        assertEquals(bytesBefore, device.liveBytes(), "closing the model, optimizer and trainer frees their bytes");
    }

    private static void train(OpenClBackend cl, Dataset data, int epochs) {
        try (Sequential net = Models.build(Models.Kind.CNN, cl, 1, 8, 8, 5, Models.Norm.BEFORE_RELU, 1);
                Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 5e-4);
                Trainer trainer = new Trainer(net, sgd, LrSchedule.constant(0.05), 8)) {
            for (int e = 0; e < epochs; e++) trainer.trainEpoch(data, 1, e, null);
            trainer.evaluate(data);
        }
    }

    /** Random images (mean 0, std 1) whose label is the sign pattern of a few pixels: learnable, seeded. */
    static Dataset synthetic(int n, int classes, int h, int w, int useClasses, long seed) {
        RandomFill r = new RandomFill(seed);
        float[] images = r.normal(n * h * w);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = (int) Math.floor(r.uniform(1, 0, useClasses)[0]);
        return new Dataset("synthetic", images, labels, n, 1, h, w, Math.max(classes, useClasses));
    }
}
