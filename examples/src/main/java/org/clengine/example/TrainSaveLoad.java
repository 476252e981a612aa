package org.clengine.example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.device.DeviceManager;
import org.clengine.nn.Activation;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.Conv2d;
import org.clengine.nn.Flatten;
import org.clengine.nn.Init;
import org.clengine.nn.Linear;
import org.clengine.nn.Pool;
import org.clengine.nn.SafeTensors;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.nn.SoftmaxCrossEntropy;
import org.clengine.onnx.OnnxExport;
import org.clengine.onnx.OnnxInference;
import org.clengine.pooling.Pool2dParams;

/**
 * What a project that uses clengine does: builds a small CNN from the nn API, trains it a few steps on the
 * reference backend (plain Java) and on OpenCL, saves it as safetensors (loadable by PyTorch) and loads it back, exports it as ONNX and runs that
 * into a fresh model, which must then give the same eval outputs bit for bit. Exits non-zero when anything is off.
 *
 * <pre>mvn -f examples/pom.xml verify          (or: mvn -f examples/pom.xml compile exec:java)</pre>
 */
public final class TrainSaveLoad {
    private static final int N = 32, C = 1, H = 8, W = 8, CLASSES = 4, STEPS = 20;

    private TrainSaveLoad() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target"));
        noCommandLineLibraries();
        try (Backend reference = new ReferenceBackend()) {
            run(reference, out.resolve("model-reference.safetensors"));
        }
        if (DeviceManager.available()) {
            try (Backend opencl = OpenClBackend.open()) {
                run(opencl, out.resolve("model-opencl.safetensors"));
            }
        } else {
            System.out.println("no OpenCL device: the OpenCL run is skipped");
        }
    }

    /** conv3×3 8, BN, ReLU, maxpool 2, flatten, linear CLASSES; state_dict names "0.weight", "1.running_mean", … */
    static Sequential model(Backend b, long seed) {
        Init init = new Init(seed);
        return new Sequential(b, new Conv2d(b, C, 8, 3, 1, 1, false, init), BatchNorm.batchNorm2d(b, 8),
                Activation.relu(b), Pool.max(b, Pool2dParams.of(2)), new Flatten(b),
                new Linear(b, 8 * (H / 2) * (W / 2), CLASSES, true, init));
    }

    static void run(Backend b, Path file) throws Exception {
        float[][] data = batch(new Random(7));
        try (Sequential net = model(b, 1);
                Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 5e-4);
                SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b);
                Tensor x = b.tensor(data[0], N, C, H, W);
                Tensor y = b.tensor(data[1], N)) {
            net.requireInputGradient(false);
            float first = 0, last = 0;
            for (int step = 0; step < STEPS; step++) {
                last = loss.forward(net.forward(x), y, true).toArray()[0];
                if (step == 0) first = last;
                net.backward(loss.backward());
                sgd.step();
            }
            check(last < first / 2, b.name() + ": the loss fell only from " + first + " to " + last);
            SafeTensors.save(net, file);
            net.eval();
            float[] expected = net.forward(x).toArray();
            try (Sequential fresh = model(b, 2)) {
                SafeTensors.load(fresh, file);
                float[] got = fresh.eval().forward(x).toArray();
                check(Arrays.equals(expected, got), b.name() + ": the reloaded model's outputs differ");
            }
            // ONNX export, then the exported graph run on the same backend: unfolded, the engine's eval outputs bit
            // for bit (what onnx-run and ONNX Runtime would read).
            Path onnx = file.resolveSibling(file.getFileName().toString().replace(".safetensors", ".onnx"));
            OnnxExport.write(net, new int[] {C, H, W}, onnx);
            try (OnnxInference graph = OnnxInference.load(b, onnx, false)) {
                float[] got = graph.runOnBackend(List.of(x)).get(0).toArray();
                check(Arrays.equals(expected, got), b.name() + ": the exported ONNX model's outputs differ");
            }
            System.out.printf("%s: loss %.4f -> %.4f in %d steps; saved %s (%d bytes) and reloaded, exported ONNX and ran it: same outputs%n",
                    b.name(), first, last, STEPS, file.getFileName(), Files.size(file));
        }
    }

    /** Images of noise with one bright quadrant; the label is the quadrant. */
    static float[][] batch(Random r) {
        float[] x = new float[N * C * H * W];
        float[] y = new float[N];
        for (int n = 0; n < N; n++) {
            int q = n % CLASSES;
            y[n] = q;
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    boolean bright = (i < H / 2) == (q < 2) && (j < W / 2) == (q % 2 == 0);
                    x[(n * H + i) * W + j] = (float) r.nextGaussian() + (bright ? 0.7f : 0f);
                }
            }
        }
        return new float[][] {x, y};
    }

    /** The engine must bring only JOCL and slf4j-api: the command line's libraries must not reach a user. */
    static void noCommandLineLibraries() {
        for (String cls : List.of("picocli.CommandLine", "me.tongfei.progressbar.ProgressBar",
                "org.knowm.xchart.XYChart", "ch.qos.logback.classic.Logger")) {
            try {
                Class.forName(cls, false, TrainSaveLoad.class.getClassLoader());
                check(false, cls + " is on the example's class path: a command-line dependency leaked into the engine");
            } catch (ClassNotFoundException expected) {
                // as it should be
            }
        }
    }

    static void check(boolean ok, String message) {
        if (!ok) throw new IllegalStateException(message);
    }
}
