package org.clengine.train;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.GradScaler;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Module;
import org.clengine.nn.Sgd;
import org.clengine.nn.SoftmaxCrossEntropy;
import org.clengine.core.DType;
import org.clengine.core.Tensor;

/**
 * The training loop: per batch, one write of the images and one of the labels to the device, forward, loss,
 * backward, SGD step, and a read of two floats (loss, correct count). Everything else stays on the device, and
 * after the first step of a batch shape nothing is allocated.
 *
 * <p>Mixed precision ({@code activations} F16 or BF16): images and every activation and activation gradient are
 * 16-bit, parameters, their gradients and batch-norm statistics F32 (convolution and linear layers read 16-bit copies
 * of their weights, refreshed after each step). The loss runs in F32 on the logits widened through the host (N×K
 * values). F16 adds PyTorch's dynamic loss scaling ({@link GradScaler}): a step whose gradients overflow is skipped.
 */
public final class Trainer implements AutoCloseable {

    /** One step's result, for progress displays. */
    public record Step(long index, int size, double loss, int correct, double lr) {
    }

    /** Mean loss and accuracy over a pass, with its images and wall time. */
    public record Metrics(double loss, double accuracy, int images, double seconds) {
        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    /** Device tensors and host arrays for one batch size. */
    private record Slot(Tensor images, Tensor labels, float[] hostImages, float[] hostLabels) {
    }

    private final Backend backend;
    private final Module model;
    private final SoftmaxCrossEntropy loss;
    private final Sgd sgd;
    private final LrSchedule schedule;
    private final int batch;
    private final DType activations;
    private final GradScaler scaler;
    private final Map<Integer, Slot> slots = new HashMap<>();
    private final Workspace16 wide = new Workspace16();
    private long step;

    public Trainer(Module model, Sgd sgd, LrSchedule schedule, int batch) {
        this(model, sgd, schedule, batch, DType.F32);
    }

    /** With activations in {@code activations} (F32, F16 or BF16); F16 scales the loss dynamically. */
    public Trainer(Module model, Sgd sgd, LrSchedule schedule, int batch, DType activations) {
        if (activations == null) throw new IllegalArgumentException("activations dtype is null");
        this.activations = activations;
        this.scaler = activations == DType.F16 ? new GradScaler() : null;
        this.backend = model.backend();
        this.model = model;
        this.sgd = sgd;
        this.schedule = schedule;
        this.batch = batch;
        this.loss = new SoftmaxCrossEntropy(backend);
        model.requireInputGradient(false);
    }

    public Module model() {
        return model;
    }

    /** The learning rate of the last step. */
    public double lr() {
        return sgd.lr();
    }

    /** The activations' dtype. */
    public DType activations() {
        return activations;
    }

    /** Steps skipped by the loss scaler (an Inf or NaN gradient); 0 without one. */
    public long skippedSteps() {
        return scaler == null ? 0 : scaler.skippedSteps();
    }

    /** The loss scale now (1 without a scaler). */
    public float lossScale() {
        return scaler == null ? 1 : scaler.scale();
    }

    /** Steps taken so far (the schedule's clock). */
    public long steps() {
        return step;
    }

    /** One epoch over {@code data} in the order {@code seed} and {@code epoch} give, dropping a last partial batch. */
    public Metrics trainEpoch(Dataset data, long seed, int epoch, Consumer<Step> onStep) {
        Batches batches = new Batches(data, batch, true);
        batches.shuffle(seed, epoch);
        model.train();
        double lossSum = 0;
        long correct = 0;
        int images = 0;
        long start = System.nanoTime();
        for (int b = 0; b < batches.count(); b++) {
            Step s = trainStep(batches, b);
            lossSum += s.loss() * s.size();
            correct += s.correct();
            images += s.size();
            if (onStep != null) onStep.accept(s);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Metrics(lossSum / images, (double) correct / images, images, seconds);
    }

    /** One training step on batch {@code b}. */
    public Step trainStep(Batches batches, int b) {
        forwardBackward(batches, b);
        double lr = schedule.lr(step);
        sgd.setLr(lr);
        if (scaler == null) sgd.step();
        else scaler.step(sgd, model.parameters().values());
        float[] r = loss.result().toArray();
        return new Step(step++, batches.size(b), r[0], Math.round(r[1]), lr);
    }

    /**
     * The mean loss of batch {@code b}, with its gradient written into every parameter's {@code grad()}: a training
     * step without the SGD update. The optimizer, the learning-rate schedule and the step count are left alone; the
     * forward runs in the model's mode, so in training mode batch norm normalizes with the batch's statistics and
     * updates its running statistics as a step does (take a {@link org.clengine.nn.ModuleSnapshot} first to undo
     * that).
     */
    public double lossAndGradient(Batches batches, int b) {
        forwardBackward(batches, b);
        if (scaler != null) scaler.unscale(model.parameters().values());
        return loss.result().toArray()[0];
    }

    /** Batch {@code b} to the device, forward, loss with its gradient, backward. */
    private void forwardBackward(Batches batches, int b) {
        Slot slot = slot(batches.size(b), batches);
        batches.fill(b, slot.hostImages(), slot.hostLabels());
        slot.images().copyFrom(slot.hostImages());
        slot.labels().copyFrom(slot.hostLabels());
        Tensor logits = model.forward(slot.images());
        if (scaler == null) { // F32 or BF16: the loss takes the logits as they are and answers in their dtype
            loss.forward(logits, slot.labels(), true);
            model.backward(loss.backward());
            return;
        }
        // F16: the gradient is scaled in fp32 before its 16-bit rounding, else its small values would flush to zero
        // there (PyTorch's autocast likewise runs the loss on an fp32 copy and casts the gradient back)
        loss.forward(wide.convert(logits, DType.F32), slot.labels(), true);
        Tensor dlogits = loss.backward();
        scaler.scaleLossGradient(backend, dlogits);
        model.backward(wide.convert(dlogits, activations));
    }

    /** Mean loss and accuracy over {@code data} in evaluation mode (running statistics), batch by batch. */
    public Metrics evaluate(Dataset data) {
        Batches batches = new Batches(data, batch, false);
        model.eval();
        double lossSum = 0;
        long correct = 0;
        long start = System.nanoTime();
        for (int b = 0; b < batches.count(); b++) {
            Slot slot = slot(batches.size(b), batches);
            batches.fill(b, slot.hostImages(), slot.hostLabels());
            slot.images().copyFrom(slot.hostImages());
            slot.labels().copyFrom(slot.hostLabels());
            loss.forward(model.forward(slot.images()), slot.labels(), false);
            float[] r = loss.result().toArray();
            lossSum += (double) r[0] * batches.size(b);
            correct += Math.round(r[1]);
        }
        model.train();
        return new Metrics(lossSum / data.count(), (double) correct / data.count(), data.count(),
                (System.nanoTime() - start) / 1e9);
    }

    private Slot slot(int size, Batches batches) {
        return slots.computeIfAbsent(size, n -> {
            Dataset d = batches.dataset();
            float[] host = new float[n * d.imageSize()];
            return new Slot(backend.memory().tensor(activations, host, n, d.channels(), d.height(), d.width()),
                    backend.full(0f, n), host, new float[n]);
        });
    }

    @Override
    public void close() {
        slots.values().forEach(s -> {
            s.labels().close();
            s.images().close();
        });
        loss.close();
        wide.close();
    }

    /**
     * F16 logits to the F32 loss and its scaled gradient back, converted on the device (elementwise convert). One
     * tensor per (dtype, shape), kept.
     */
    private final class Workspace16 implements AutoCloseable {
        private final Map<String, Tensor> tensors = new HashMap<>();

        Tensor convert(Tensor t, DType dtype) {
            if (t.dtype() == dtype) return t;
            Tensor out = tensors.computeIfAbsent(dtype + java.util.Arrays.toString(t.shape()),
                    k -> backend.memory().full(dtype, 0f, t.shape()));
            backend.elementwise().convert(out, t);
            return out;
        }

        @Override
        public void close() {
            tensors.values().forEach(Tensor::close);
        }
    }
}
