package org.clengine.distributed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.data.Batches;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Parameter;
import org.clengine.nn.Sgd;
import org.clengine.nn.SoftmaxCrossEntropy;

/**
 * One rank of data-parallel training, for any {@link Collective}: threads of one JVM ({@link LocalCollective}, one
 * rank per OpenCL device, driven by {@link DataParallelTrainer}) or one process per rank over TCP. Each rank holds a
 * replica of the model on its own backend; every global batch is cut in order into one slice per rank
 * ({@link #slice}: sizes differ by at most one, the first ranks take the extra samples); each rank runs forward and
 * backward on its slice, with every batch norm synchronized over the ranks (SyncBN: the statistics of the whole
 * batch); the gradients, each weighted by its slice's share of the batch, are summed with
 * {@link Collective#allReduceSum} (rank order, so every replica gets the same bits); then every rank takes the same
 * SGD step. The result is the full-batch step of single-device training, up to rounding.
 *
 * <p>Use: on every rank, build the same model (same architecture; the constructor copies rank 0's parameters and
 * running statistics to every rank and fails with a {@link CollectiveException} on every rank when the models'
 * parameter names or shapes differ), make an {@link Sgd} over {@code model.parameters()} and an {@link LrSchedule},
 * then per step call {@link #trainStep(Batches, int)} on every rank with the same {@link Batches} in the same
 * shuffle (or {@link #trainStep(float[], float[], int, int...)} with this rank's slice). Every rank must make the same calls
 * in the same order. Close the rank, then the collective, the Sgd and the model (the caller owns them).
 * <pre>{@code
 * try (Collective c = ...; Sequential model = Models.build(...); Sgd sgd = new Sgd(model.parameters(), lr, m, wd);
 *      DataParallelRank rank = new DataParallelRank(c, model, sgd, schedule)) {
 *     for (int b = 0; b < batches.count(); b++) DataParallelRank.Step s = rank.trainStep(batches, b);
 * }
 * }</pre>
 */
public final class DataParallelRank implements AutoCloseable {

    /** One global step: the loss and correct count of the whole global batch, the same on every rank. */
    public record Step(long index, int globalSize, double loss, int correct, double lr) {
    }

    private final Collective collective;
    private final Module model;
    private final Sgd sgd;
    private final LrSchedule schedule;
    private final SoftmaxCrossEntropy loss;
    private final List<Parameter> parameters;
    private final RankSlots slots;
    private long step;

    /**
     * Makes {@code model} this rank's replica: checks that every rank's model has the same parameters (names and
     * shapes), copies rank 0's parameters and buffers to this one, and synchronizes every {@link BatchNorm} of the
     * model over {@code collective}. A collective call: every rank must construct its DataParallelRank.
     */
    public DataParallelRank(Collective collective, Module model, Sgd sgd, LrSchedule schedule) {
        if (collective == null || model == null || sgd == null || schedule == null) {
            throw new IllegalArgumentException("collective, model, sgd and schedule are required");
        }
        this.collective = collective;
        this.model = model;
        this.sgd = sgd;
        this.schedule = schedule;
        this.parameters = List.copyOf(model.parameters().values());
        ReplicaCheck.sameModels(collective, model);
        ReplicaCheck.copyFromRankZero(collective, model);
        syncBatchNorms(model, collective);
        this.loss = new SoftmaxCrossEntropy(model.backend());
        this.slots = new RankSlots(model.backend());
        model.requireInputGradient(false);
    }

    /**
     * Rank {@code rank}'s slice of a global batch of {@code globalBatch} samples, as {from, to}: consecutive slices
     * in rank order, the first {@code globalBatch % worldSize} ranks one sample larger.
     */
    public static int[] slice(int globalBatch, int worldSize, int rank) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize);
        }
        if (globalBatch < worldSize) {
            throw new IllegalArgumentException("a global batch of " + globalBatch + " cannot give each of "
                    + worldSize + " ranks a sample");
        }
        int base = globalBatch / worldSize;
        int extra = globalBatch % worldSize;
        int from = rank * base + Math.min(rank, extra);
        return new int[] {from, from + base + (rank < extra ? 1 : 0)};
    }

    public Collective collective() {
        return collective;
    }

    public Module model() {
        return model;
    }

    /** Steps taken so far (the learning-rate schedule's clock). */
    public long steps() {
        return step;
    }

    /** One step on global batch {@code b} of {@code batches}: this rank takes its {@link #slice} of it. */
    public Step trainStep(Batches batches, int b) {
        int global = batches.size(b);
        int[] range = slice(global, collective.worldSize(), collective.rank());
        RankSlots.Slot slot = slots.fill(batches, b, range[0], range[1]);
        return step(slot.images(), slot.labels(), range[1] - range[0], global);
    }

    /**
     * One step on this rank's slice, given as host arrays: {@code images} [n, C, H, W] (C, H, W those of the
     * model's input, given by {@code imageShape}), {@code labels} [n] as floats; {@code globalSize} the whole batch.
     */
    public Step trainStep(float[] images, float[] labels, int globalSize, int... imageShape) {
        RankSlots.Slot slot = slots.fill(images, labels, imageShape);
        return step(slot.images(), slot.labels(), labels.length, globalSize);
    }

    private Step step(Tensor images, Tensor labels, int mine, int global) {
        model.train();
        loss.forward(model.forward(images), labels, true);
        model.backward(loss.backward());
        sumGradients((float) ((double) mine / global));
        double lr = schedule.lr(step);
        sgd.setLr(lr);
        sgd.step();
        float[] r = loss.result().toArray();
        double[] total = new double[2];
        for (double[] part : collective.allGather(new double[] {(double) r[0] * mine, r[1]})) {
            total[0] += part[0];
            total[1] += part[1];
        }
        return new Step(step++, global, total[0] / global, (int) Math.round(total[1]), lr);
    }

    /** Every parameter's gradient times this rank's share, then summed over the ranks in rank order. */
    private void sumGradients(float share) {
        List<float[]> grads = new ArrayList<>();
        int total = 0;
        for (Parameter p : parameters) {
            float[] g = p.grad().toArray();
            grads.add(g);
            total += g.length;
        }
        float[] flat = new float[total];
        int at = 0;
        for (float[] g : grads) {
            for (int i = 0; i < g.length; i++) flat[at + i] = g[i] * share;
            at += g.length;
        }
        collective.allReduceSum(flat);
        at = 0;
        for (int i = 0; i < grads.size(); i++) {
            float[] g = grads.get(i);
            System.arraycopy(flat, at, g, 0, g.length);
            at += g.length;
            parameters.get(i).grad().copyFrom(g);
        }
    }

    private static void syncBatchNorms(Module m, Collective collective) {
        if (m instanceof BatchNorm bn) bn.sync(collective);
        for (Map.Entry<String, Module> child : m.children().entrySet()) syncBatchNorms(child.getValue(), collective);
    }

    /** Releases this rank's loss and input tensors and turns batch norm's synchronization off. */
    @Override
    public void close() {
        unsync(model);
        slots.close();
        loss.close();
    }

    private static void unsync(Module m) {
        if (m instanceof BatchNorm bn) bn.sync(null);
        m.children().values().forEach(DataParallelRank::unsync);
    }

    /** The backend this rank runs on. */
    public Backend backend() {
        return model.backend();
    }
}
