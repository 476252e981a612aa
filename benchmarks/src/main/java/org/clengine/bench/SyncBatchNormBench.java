package org.clengine.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.clengine.batchnorm.BatchNormBackward;
import org.clengine.batchnorm.BatchNormOps;
import org.clengine.batchnorm.BatchNormRunningStats;
import org.clengine.batchnorm.BatchNormSaved;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.batchnorm.BatchNormTraining;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.DeviceGroup;
import org.clengine.distributed.LocalCollective;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
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
 * Synchronized batch norm (issue 16) against plain batch norm on the same global batch: {@code ranks} = 1 is plain
 * forward training + backward on the whole CPU device; {@code ranks} = 2 is SyncBN over two sub-devices ({@code cpu/2}), each rank a thread with half the batch, one invocation running
 * both ranks' forward and backward. What SyncBN costs over its kernels is the partials' read-back, the host merge and
 * the two exchanges. {@code @Setup} checks rank outputs, put back together, against the reference's plain batch norm
 * on the whole batch and refuses to time a wrong result. Run by name:
 * {@code java -cp benchmarks/target/clengine-benchmarks.jar org.openjdk.jmh.Main SyncBatchNormBench}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class SyncBatchNormBench {
    @Param({"mb128ic64ih28iw28"})
    public String shape;

    @Param({"1", "2"})
    public int ranks;

    private DeviceGroup group;
    private final List<TensorScope> scopes = new ArrayList<>();
    private final List<Runnable> steps = new ArrayList<>();
    private final List<Tensor[]> outputs = new ArrayList<>();
    private ExecutorService threads;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        BatchNormShape whole = BatchNormShape.parse(shape);
        RandomFill r = new RandomFill(BatchNormBench.SEED);
        float[] x = r.perChannel(whole.n(), whole.c(), whole.hw(), 3, 1);
        float[] dy = r.normal(x.length);
        group = DeviceGroup.open(ranks == 1 ? "cpu" : "cpu/" + ranks, ranks);
        List<LocalCollective> collectives = LocalCollective.group(ranks, Duration.ofMinutes(1));
        threads = Executors.newFixedThreadPool(ranks);
        int per = x.length / whole.n();
        for (int rank = 0; rank < ranks; rank++) {
            int from = rank * whole.n() / ranks, to = (rank + 1) * whole.n() / ranks;
            BatchNormOps ops = new OpenClBackend(group.devices().get(rank)).batchNorm();
            steps.add(rankStep(ops, ranks == 1 ? null : collectives.get(rank), whole.dims(), to - from,
                    Arrays.copyOfRange(x, from * per, to * per), Arrays.copyOfRange(dy, from * per, to * per)));
        }
        step();
        check(whole, x, dy);
    }

    /** One rank's forward training and backward on its slice, with tensors allocated once. */
    private Runnable rankStep(BatchNormOps ops, LocalCollective c, int[] wholeDims, int n, float[] x, float[] dy) {
        TensorScope sc = new TensorScope(ops.memory());
        scopes.add(sc);
        int[] dims = wholeDims.clone();
        dims[0] = n;
        int channels = dims[1];
        Tensor tx = sc.tensor(x, dims), tdy = sc.tensor(dy, dims), y = sc.full(0f, dims), dx = sc.full(0f, dims);
        Tensor gamma = sc.full(1f, channels), beta = sc.full(0f, channels);
        BatchNormSaved saved = sc.add(BatchNormSaved.allocate(ops.memory(), channels));
        BatchNormRunningStats run = sc.add(BatchNormRunningStats.create(ops.memory(), channels));
        BatchNormTraining fwd = BatchNormTraining.of(y, saved, tx).affine(gamma, beta).running(run);
        BatchNormBackward bwd = BatchNormBackward.of(dx, tdy, tx, saved).affine(gamma, sc.full(0f, channels),
                sc.full(0f, channels));
        outputs.add(new Tensor[] {y, dx});
        return c == null ? () -> {
            ops.forwardTraining(fwd);
            ops.backward(bwd);
            ops.memory().finish();
        } : () -> {
            ops.forwardTrainingSync(fwd, c);
            ops.backwardSync(bwd, c);
            ops.memory().finish();
        };
    }

    private void check(BatchNormShape whole, float[] x, float[] dy) {
        float[] y = new float[x.length], dx = new float[x.length];
        int at = 0;
        for (Tensor[] o : outputs) {
            float[] part = o[0].toArray();
            System.arraycopy(part, 0, y, at, part.length);
            System.arraycopy(o[1].toArray(), 0, dx, at, part.length);
            at += part.length;
        }
        float[] refY = new float[x.length], refDx = new float[x.length];
        float[] mean = new float[whole.c()], invstd = new float[whole.c()], offset = new float[whole.c()];
        float[] ones = new float[whole.c()];
        Arrays.fill(ones, 1f);
        org.clengine.batchnorm.BatchNormReference.forwardTraining(refY, mean, invstd, offset, null, null, null, x,
                ones, new float[whole.c()], null, whole, 1e-5, null, org.clengine.batchnorm.BatchNormFusion.NONE);
        org.clengine.batchnorm.BatchNormReference.backward(refDx, null, null, null, dy, x, null, ones, mean, offset,
                invstd, whole, org.clengine.batchnorm.BatchNormFusion.NONE, false);
        for (Comparison c : List.of(Comparison.of("y", refY, y, Tolerance.BATCHNORM_FORWARD),
                Comparison.of("dx", refDx, dx, Tolerance.BATCHNORM_BACKWARD))) {
            if (!c.passed()) throw new IllegalStateException(ranks + " ranks on " + shape + ": " + c);
        }
    }

    @Benchmark
    public void forwardBackward() throws Exception {
        step();
    }

    private void step() throws Exception {
        List<Future<?>> running = new ArrayList<>();
        for (Runnable s : steps) running.add(threads.submit(s));
        for (Future<?> f : running) f.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (threads != null) threads.shutdownNow();
        for (int i = scopes.size() - 1; i >= 0; i--) scopes.get(i).close();
        if (group != null) group.close();
    }
}
