package org.clengine.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clengine.core.DType;
import org.clengine.train.Models;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./clengine train}: a model on Fashion-MNIST (or any MNIST-format data), with curves and a saved state. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a small CNN with batch norm (or --model mlp|resnet) on Fashion-MNIST with SGD, one "
                + "progress bar per epoch (loss, accuracy, images/s), test accuracy after each epoch; writes "
                + "epochs.csv, steps.csv, curves.png and model.safetensors (or model.clstate) into --out. The same "
                + "seed on the same device "
                + "gives the same curves.")
final class TrainCommand implements Callable<Integer> {
    enum Schedule { COSINE, STEP, CONSTANT }

    @Option(names = "--epochs", defaultValue = "3",
            description = "passes over the training set (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "mini-batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.1", description = "peak learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "5e-4",
            description = "SGD weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "learning rate per step: cosine (to 0 over "
            + "the run), step (×0.1 after each third of the run) or constant (default ${DEFAULT-VALUE})")
    Schedule schedule;

    @Option(names = "--no-bn", description = "no batch norm (convolutions and linear layers get biases)")
    boolean noBn;

    @Option(names = "--bn-after-relu", description = "batch norm after each ReLU instead of before it")
    boolean bnAfterRelu;

    @Option(names = "--bn-skip-nonfinite", description = "batch norm running statistics under policy SKIP: a batch "
            + "whose statistics are not finite (NaN or Inf in a channel) leaves that channel's running mean and var "
            + "as they were; the skipped updates are counted per layer and reported (default: PROPAGATE, PyTorch's)")
    boolean bnSkipNonFinite;

    @Option(names = "--model", defaultValue = "cnn",
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Models.Kind model;

    @Mixin
    BackendOptions backend;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the initial weights and the shuffling "
            + "(default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "train-out", description = "directory for the CSVs, the plot and the "
            + "model state (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--limit", description = "use only the first N training images")
    Integer limit;

    @Option(names = "--test-limit", description = "evaluate on the first N test images only")
    Integer testLimit;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", description = "directory with "
            + "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-… (default ${DEFAULT-VALUE}, "
            + "Debian's dataset-fashion-mnist)")
    Path data;

    @Option(names = "--export-onnx", paramLabel = "FILE", description = "also write the trained model to FILE as "
            + "ONNX (opset 13, evaluation mode: batch norm with its running statistics; input [N, C, H, W])")
    Path exportOnnx;

    @Option(names = {"-q", "--quiet"}, description = "no progress bars: one line per epoch")
    boolean quiet;

    @Option(names = "--devices", defaultValue = "1", paramLabel = "N", description = "data-parallel training over N "
            + "devices in this process (N sub-devices of --device, or N devices of its kind; cpu/2 names the split): "
            + "each takes its slice of every batch, batch norm is synchronized over all (SyncBN), gradients are "
            + "summed in device order; 1 is single-device training (default ${DEFAULT-VALUE})")
    int devices;
    /** Activations' storage in training: fp32, or 16-bit with fp32 master weights and statistics. */
    enum Precision {
        FP32(DType.F32), BF16(DType.BF16), FP16(DType.F16);

        final DType dtype;

        Precision(DType dtype) {
            this.dtype = dtype;
        }
    }

    @Option(names = "--precision", defaultValue = "fp32", description = "activations in fp32, bf16 or fp16; fp32 "
            + "master weights, gradients and batch-norm statistics either way; fp16 scales the loss dynamically "
            + "(PyTorch's GradScaler: overflowing steps skipped and counted) (default ${DEFAULT-VALUE})")
    Precision precision;

    /** The saved model's format: safetensors (PyTorch's) by default, or the engine's older .clstate. */
    enum StateFormat {
        SAFETENSORS("model.safetensors"), CLSTATE("model.clstate");

        private final String fileName;

        StateFormat(String fileName) {
            this.fileName = fileName;
        }

        String fileName() {
            return fileName;
        }
    }

    @Option(names = "--state-format", defaultValue = "safetensors", description = "the saved model: safetensors "
            + "(model.safetensors, loads into PyTorch with PyTorch's state_dict names) or clstate (model.clstate, the "
            + "engine's older format) (default ${DEFAULT-VALUE})")
    StateFormat stateFormat;

    @Option(names = "--world-size", paramLabel = "N", description = "data-parallel training over N processes (on one "
            + "machine or several) that meet at --master: each takes its slice of every batch, batch norm is "
            + "synchronized over all (SyncBN), gradients are summed in rank order; every rank ends with the same bits")
    Integer worldSize;

    @Option(names = "--rank", defaultValue = "0", paramLabel = "R", description = "this process's rank, 0..N-1, with "
            + "--world-size; rank 0 listens at --master and writes the outputs (default ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--master", paramLabel = "HOST:PORT", description = "with --world-size: where rank 0 listens and "
            + "the others connect")
    String master;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "with --world-size: how "
            + "long to wait for the other ranks to connect, and for any rank during a step (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // the body lives in a class of its own: picocli reflects over every command at start-up, and the
        // progress-bar and plotting types in the body's signatures must not load then (the GPU kit has no AWT)
        checkPrecision();
        return worldSize != null ? new DistributedTrainRun(this).call() : new TrainRun(this).call();
    }

    /** 16-bit training runs on one device; every model's layers (pooling and the loss included) take 16 bits. */
    private void checkPrecision() {
        if (precision == Precision.FP32) return;
        String p = "--precision " + precision.name().toLowerCase(java.util.Locale.ROOT);
        if (devices != 1 || worldSize != null) {
            throw new IllegalArgumentException(p + " runs on one device: --devices and --world-size train in fp32 only");
        }
    }
}
