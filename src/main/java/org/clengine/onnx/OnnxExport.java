package org.clengine.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.batchnorm.BatchNormConfig;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.core.Tensor;
import org.clengine.nn.Activation;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.Conv2d;
import org.clengine.nn.Flatten;
import org.clengine.nn.Linear;
import org.clengine.nn.Module;
import org.clengine.nn.Parameter;
import org.clengine.nn.Pool;
import org.clengine.nn.ResidualBlock;
import org.clengine.nn.Sequential;
import org.clengine.pooling.Pool2dParams;
import org.clengine.onnx.OnnxGraphWriter.Attr;

/**
 * Writes an {@code nn} model as an ONNX model (opset 13) of what it computes in evaluation mode: batch norm with
 * its running statistics. Modules map to Conv, BatchNormalization, Relu, Sigmoid, MaxPool, AveragePool,
 * GlobalAveragePool (+ Flatten, as the engine's global pooling flattens), Flatten, Gemm (transB = 1) and Add;
 * a {@link ResidualBlock} becomes its convolutions, norms, Add and Relu. Initializers keep the model's
 * {@code state_dict} names ({@code 3.conv1.weight}); the input is "input" [N, sample...] with N symbolic, the
 * output the last node's (named by module path and op type, e.g. "8/Gemm"). ReLUs the engine fuses into the layer before are written as the Relu nodes they are.
 */
public final class OnnxExport {
    private final OnnxGraphWriter g = new OnnxGraphWriter();

    private OnnxExport() {
    }

    /** Writes {@code model} for inputs [N, sample...] (e.g. sample = {1, 28, 28}) to {@code file}. */
    public static void write(Module model, int[] sample, Path file) throws IOException {
        Files.write(file, toBytes(model, sample));
    }

    /** The ModelProto's bytes. */
    public static byte[] toBytes(Module model, int... sample) {
        if (sample == null || sample.length == 0) {
            throw new IllegalArgumentException("the sample shape (one input without the batch dimension) is empty");
        }
        for (int d : sample) {
            if (d < 1) throw new IllegalArgumentException("sample shape " + java.util.Arrays.toString(sample)
                    + " has a dimension below 1");
        }
        OnnxExport e = new OnnxExport();
        Value out = e.module("", model, new Value("input", ExportShapes.withBatch(sample)));
        return e.g.model("input", sample, out.name(), ExportShapes.sample(out.shape()), "clengine");
    }

    /** A value of the graph and its shape at batch 1 (the shape that export checks the model against). */
    record Value(String name, int[] shape) {
    }

    /** Emits {@code m}'s nodes reading {@code x}; returns its output. */
    private Value module(String path, Module m, Value x) {
        if (m instanceof Sequential s) {
            Value t = x;
            for (int i = 0; i < s.modules().size(); i++) t = module(join(path, Integer.toString(i)), s.modules().get(i), t);
            return t;
        }
        if (m instanceof Conv2d c) return conv(path, c, x);
        if (m instanceof BatchNorm b) return batchNorm(path, b, x);
        if (m instanceof Linear l) return linear(path, l, x);
        if (m instanceof Pool p) return pool(path, p, x);
        if (m instanceof Flatten) return flatten(path, x);
        if (m instanceof Activation a) {
            return same(g.node(a.kind() == Activation.Kind.RELU ? "Relu" : "Sigmoid", path, List.of(x.name())), x);
        }
        if (m instanceof ResidualBlock r) return residual(path, r, x);
        throw new IllegalArgumentException("cannot export " + m.getClass().getSimpleName() + " at '" + path
                + "' to ONNX (Sequential, ResidualBlock, Conv2d, BatchNorm, Linear, Pool, Flatten, Activation)");
    }

    private Value conv(String path, Conv2d c, Value x) {
        int[] w = c.weight().value().shape();
        Conv2dParams p = c.params().withRelu(false);
        int[] y = ExportShapes.conv(path, x.shape(), w, p);
        List<String> in = new ArrayList<>(List.of(x.name(), param(path, "weight", c.weight())));
        if (c.bias() != null) in.add(param(path, "bias", c.bias()));
        return new Value(g.node("Conv", path, in, Attr.ints("kernel_shape", w[2], w[3]),
                Attr.ints("strides", p.strideH(), p.strideW()),
                Attr.ints("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()),
                Attr.ints("dilations", p.dilationH(), p.dilationW()), Attr.integer("group", p.groups())), y);
    }

    private Value batchNorm(String path, BatchNorm b, Value x) {
        ExportShapes.expectChannels(path, x.shape(), b.weight().value().size(), b.spatial());
        Map<String, Tensor> buffers = b.buffers();
        BatchNormConfig cfg = b.config();
        List<String> in = List.of(x.name(), param(path, "weight", b.weight()), param(path, "bias", b.bias()),
                buffer(path, "running_mean", buffers.get("running_mean")),
                buffer(path, "running_var", buffers.get("running_var")));
        // ONNX's momentum weighs the running value, PyTorch's the batch: 0.1 is written 0.9 (inference ignores it)
        double momentum = cfg.momentum() == null ? 0.9 : 1 - cfg.momentum();
        return same(g.node("BatchNormalization", path, in, Attr.real("epsilon", (float) cfg.eps()),
                Attr.real("momentum", (float) momentum)), x);
    }

    private Value linear(String path, Linear l, Value x) {
        int[] w = l.weight().value().shape();
        ExportShapes.expectFeatures(path, x.shape(), w[1]);
        List<String> in = new ArrayList<>(List.of(x.name(), param(path, "weight", l.weight())));
        if (l.bias() != null) in.add(param(path, "bias", l.bias()));
        return new Value(g.node("Gemm", path, in, Attr.integer("transB", 1)), new int[] {1, w[0]});
    }

    private Value flatten(String path, Value x) {
        return new Value(g.node("Flatten", path, List.of(x.name()), Attr.integer("axis", 1)),
                ExportShapes.flatten(path, x.shape()));
    }

    private static Value same(String name, Value x) {
        return new Value(name, x.shape());
    }

    private Value pool(String path, Pool p, Value x) {
        if (p.kind() == Pool.Kind.GLOBAL_AVG) {
            int[] s = x.shape();
            ExportShapes.expectImages(path, s);
            return flatten(path, new Value(g.node("GlobalAveragePool", path, List.of(x.name())),
                    new int[] {1, s[1], 1, 1}));
        }
        Pool2dParams q = p.params();
        int[] y = ExportShapes.pool(path, x.shape(), q);
        Attr kernel = Attr.ints("kernel_shape", q.kernelH(), q.kernelW());
        Attr strides = Attr.ints("strides", q.strideH(), q.strideW());
        Attr pads = Attr.ints("pads", q.padH(), q.padW(), q.padH(), q.padW());
        if (p.kind() == Pool.Kind.MAX) return new Value(g.node("MaxPool", path, List.of(x.name()), kernel, strides,
                pads), y);
        return new Value(g.node("AveragePool", path, List.of(x.name()), kernel, strides, pads,
                Attr.integer("count_include_pad", q.countIncludePad() ? 1 : 0)), y);
    }

    /** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); without batch norm the convolutions carry biases. */
    private Value residual(String path, ResidualBlock r, Value x) {
        Map<String, Module> c = r.children();
        Value t = module(join(path, "conv1"), c.get("conv1"), x);
        if (c.containsKey("bn1")) t = module(join(path, "bn1"), c.get("bn1"), t);
        t = same(g.node("Relu", join(path, "relu1"), List.of(t.name())), t);
        t = module(join(path, "conv2"), c.get("conv2"), t);
        if (c.containsKey("bn2")) t = module(join(path, "bn2"), c.get("bn2"), t);
        Value shortcut = c.containsKey("downsample") ? module(join(path, "downsample"), c.get("downsample"), x) : x;
        ExportShapes.expectSame(path, t.shape(), shortcut.shape());
        t = same(g.node("Add", join(path, "add"), List.of(t.name(), shortcut.name())), t);
        return same(g.node("Relu", join(path, "relu"), List.of(t.name())), t);
    }

    private String param(String path, String name, Parameter p) {
        return buffer(path, name, p.value());
    }

    private String buffer(String path, String name, Tensor t) {
        return g.initializer(join(path, name), t.toArray(), t.shape());
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
