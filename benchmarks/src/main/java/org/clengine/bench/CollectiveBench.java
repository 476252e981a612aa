package org.clengine.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.clengine.backend.Backend;
import org.clengine.backend.ReferenceBackend;
import org.clengine.core.Tensor;
import org.clengine.distributed.CollectiveException;
import org.clengine.distributed.RankOrder;
import org.clengine.distributed.TcpCollective;
import org.clengine.distributed.TcpConfig;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.nn.SoftmaxCrossEntropy;
import org.clengine.train.Models;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What data-parallel training pays per step for communication, against what a step costs:
 * <ul>
 *   <li>{@code allReduce}: {@link TcpCollective#allReduceSum} of the {@code train} CNN's gradients (every parameter of
 *       {@code Models.build(CNN)}, about 422k floats) among {@code ranks} ranks on 127.0.0.1, timed on rank 0; the
 *       other ranks are threads of this JVM calling in lockstep. Each call first copies the rank's gradients into
 *       the buffer it reduces, as {@code DataParallelRank} does;</li>
 *   <li>{@code trainStep}: one training step of the same CNN on the OpenCL device ({@code -Dclengine.device}) at
 *       {@code batch} images (128: {@code train}'s default global batch on one device; 64: a rank's slice of it
 *       over two ranks): forward, loss, backward, SGD, the loss read back.</li>
 * </ul>
 * The ratio of the two is the communication share of a step ({@code docs/distributed.md}). {@code @Setup} checks
 * one all-reduce against {@link RankOrder#sum} of the ranks' inputs, bit for bit, before timing.
 * Run: {@code java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main CollectiveBench}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
public class CollectiveBench {
    static final long SEED = 20261207L;

    /** Rank 0 of a TcpCollective on loopback; ranks 1.. are threads answering every call. */
    @State(Scope.Benchmark)
    public static class Mesh {
        @Param({"2", "4"})
        public int ranks;

        float[][] gradients;
        float[] work;
        TcpCollective rank0;
        final List<Thread> others = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            int n = cnnParameterCount();
            gradients = new float[ranks][n];
            Random rnd = new Random(SEED);
            for (float[] g : gradients) for (int i = 0; i < n; i++) g[i] = (float) (rnd.nextGaussian() * 1e-3);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            for (int r = 1; r < ranks; r++) {
                TcpConfig c = config(port, r);
                float[] mine = gradients[r];
                Thread t = new Thread(() -> answer(c, mine), "rank-" + r);
                t.setDaemon(true);
                t.start();
                others.add(t);
            }
            rank0 = TcpCollective.connect(config(port, 0));
            work = new float[n];
            float[] want = new float[n];
            RankOrder.sum(gradients, want);
            allReduce();
            if (!Arrays.equals(want, work)) throw new IllegalStateException("the all-reduce is not the rank-order sum");
        }

        private TcpConfig config(int port, int rank) {
            return new TcpConfig("127.0.0.1", port, ranks, rank, "bench", Duration.ofSeconds(60),
                    Duration.ofSeconds(600));
        }

        /** A rank other than 0: copies and reduces, call after call, until rank 0 closes. */
        private static void answer(TcpConfig c, float[] mine) {
            try (TcpCollective tc = TcpCollective.connect(c)) {
                float[] work = new float[mine.length];
                while (true) {
                    System.arraycopy(mine, 0, work, 0, mine.length);
                    tc.allReduceSum(work);
                }
            } catch (CollectiveException e) {
                // rank 0 closed at the end of the trial
            }
        }

        float[] allReduce() {
            System.arraycopy(gradients[0], 0, work, 0, work.length);
            rank0.allReduceSum(work);
            return work;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            rank0.close();
            for (Thread t : others) t.join(10_000);
        }
    }

    /** The train CNN on the OpenCL device, one random batch. */
    @State(Scope.Benchmark)
    public static class Step {
        @Param({"64", "128"})
        public int batch;

        Backend backend;
        Sequential net;
        Sgd sgd;
        SoftmaxCrossEntropy loss;
        Tensor images;
        Tensor labels;

        @Setup(Level.Trial)
        public void setUp() {
            backend = BenchSystems.open(BenchSystems.CLENGINE);
            net = Models.build(Models.Kind.CNN, backend, 1, 28, 28, 10, Models.Norm.BEFORE_RELU, SEED);
            sgd = new Sgd(net.parameters(), 0.01, 0.9, 5e-4);
            loss = new SoftmaxCrossEntropy(backend);
            Random rnd = new Random(SEED);
            float[] x = new float[batch * 28 * 28];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] y = new float[batch];
            for (int i = 0; i < y.length; i++) y[i] = rnd.nextInt(10);
            images = backend.tensor(x, batch, 1, 28, 28);
            labels = backend.tensor(y, batch);
            net.train();
            step();
        }

        float step() {
            loss.forward(net.forward(images), labels, true);
            net.backward(loss.backward());
            sgd.step();
            return loss.result().toArray()[0];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            labels.close();
            images.close();
            loss.close();
            sgd.close();
            net.close();
            backend.close();
        }
    }

    @Benchmark
    public float[] allReduce(Mesh m) {
        return m.allReduce();
    }

    @Benchmark
    public float trainStep(Step s) {
        return s.step();
    }

    /** Every parameter of the train CNN (Fashion-MNIST's 1×28×28, 10 classes): the floats a step all-reduces. */
    static int cnnParameterCount() throws IOException {
        try (Backend b = new ReferenceBackend();
                Sequential net = Models.build(Models.Kind.CNN, b, 1, 28, 28, 10, Models.Norm.BEFORE_RELU, SEED)) {
            return (int) net.parameters().values().stream().mapToLong(p -> p.value().size()).sum();
        }
    }
}
