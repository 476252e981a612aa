package org.clengine.onnx;

import static org.clengine.onnx.OnnxWriter.integer;
import static org.clengine.onnx.OnnxWriter.ints;
import static org.clengine.onnx.OnnxWriter.node;
import static org.clengine.onnx.OnnxWriter.real;
import static org.clengine.onnx.OnnxWriter.tensor;
import static org.clengine.onnx.OnnxWriter.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.clengine.onnx.OnnxWriter.Message;
import org.clengine.testing.Mutations;

/**
 * One-node models of every operator the engine runs, with their inputs, drawn at random: sane (small shapes,
 * attributes that fit them) or crafted (any attribute or dimension may be extreme: negative, 2^31, 2^32 + 1,
 * 2^62; lists of the wrong length; dims whose product wraps).
 */
final class OnnxCases {
    /** A model and its graph inputs, in order. */
    record Case(String op, byte[] model, List<Message> inputs) {
    }

    private final Random r;
    private final boolean crafted;
    private final List<Message> inputs = new ArrayList<>();

    private OnnxCases(Random r, boolean crafted) {
        this.r = r;
        this.crafted = crafted;
    }

    static Case draw(Random r, boolean crafted) {
        return new OnnxCases(r, crafted).draw();
    }

    private Case draw() {
        String[] ops = {"Conv", "MaxPool", "AveragePool", "Gemm", "MatMul", "Flatten", "BatchNormalization", "Relu",
            "Add", "GlobalAveragePool"};
        String op = ops[r.nextInt(ops.length)];
        Message n = switch (op) {
            case "Conv" -> conv();
            case "MaxPool", "AveragePool" -> pool(op);
            case "Gemm" -> gemm();
            case "MatMul" -> node(op, "m", List.of(input(batched(dim(1), dim(3), dim(4))),
                    input(batched(dim(1), dim(4), dim(2)))), List.of("y"));
            case "Flatten" -> node(op, "f", List.of(input(randomRank())), List.of("y"), integer("axis", v(1)));
            case "BatchNormalization" -> batchNorm();
            case "Add" -> {
                long[] d = randomRank();
                yield node(op, "a", List.of(input(d), input(r.nextInt(8) == 0 ? randomRank() : d)), List.of("y"));
            }
            default -> node(op, "e", List.of(input(randomRank())), List.of("y"));
        };
        List<String> names = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) names.add("in" + i);
        return new Case(op, OnnxWriter.model(List.of(n), names, List.of("y"), List.of()), inputs);
    }

    private Message conv() {
        long g = r.nextInt(4) == 0 ? 2 : 1, c = g * dim(1), k = g * dim(1), kh = dim(3), kw = dim(3);
        List<String> in = new ArrayList<>(List.of(input(dims(dim(2), c, dim(5) + 2, dim(5) + 2)),
                input(dims(k, c / g, kh, kw))));
        if (r.nextBoolean()) in.add(input(dims(k)));
        List<Message> a = new ArrayList<>(List.of(ints("strides", list(1 + r.nextInt(2), 1 + r.nextInt(2))),
                ints("dilations", list(1 + r.nextInt(2), 1)), integer("group", v(g))));
        if (r.nextBoolean()) a.add(ints("pads", list(r.nextInt(2), r.nextInt(2), r.nextInt(2), r.nextInt(2))));
        else a.add(text("auto_pad", autoPad()));
        if (r.nextInt(4) == 0) a.add(ints("kernel_shape", list(kh, kw)));
        return node("Conv", "c", in, List.of("y"), a.toArray(Message[]::new));
    }

    private Message pool(String op) {
        long k = 1 + r.nextInt(3);
        List<Message> a = new ArrayList<>(List.of(ints("kernel_shape", list(k, k)), ints("strides", list(1 + r.nextInt(2),
                1 + r.nextInt(2)))));
        if (r.nextBoolean()) a.add(ints("pads", list(k / 2, k / 2, k / 2, k / 2)));
        else a.add(text("auto_pad", autoPad()));
        if (r.nextInt(4) == 0) a.add(integer("ceil_mode", v(0)));
        if (r.nextInt(4) == 0) a.add(integer("count_include_pad", v(r.nextInt(2))));
        return node(op, "p", List.of(input(dims(dim(2), dim(2), dim(6) + 2, dim(6) + 2))), List.of("y"),
                a.toArray(Message[]::new));
    }

    private Message gemm() {
        long m = dim(3), k = dim(3), n = dim(3);
        boolean ta = r.nextBoolean(), tb = r.nextBoolean();
        List<String> in = new ArrayList<>(List.of(input(ta ? dims(k, m) : dims(m, k)), input(tb ? dims(n, k)
                : dims(k, n))));
        long[][] cShapes = {{}, {n}, {1, n}, {m, 1}, {m, n}, {1}};
        if (r.nextBoolean()) in.add(input(dims(cShapes[r.nextInt(cShapes.length)])));
        return node("Gemm", "g", in, List.of("y"), integer("transA", v(ta ? 1 : 0)), integer("transB", v(tb ? 1 : 0)),
                real("alpha", r.nextFloat() * 2), real("beta", r.nextFloat()));
    }

    private Message batchNorm() {
        long c = dim(3);
        long[] x = r.nextBoolean() ? dims(dim(3), c, dim(3), dim(3)) : dims(dim(3), c);
        List<String> in = List.of(input(x), input(dims(c)), input(dims(c)), input(dims(c)), positive(dims(c)));
        boolean training = r.nextBoolean();
        return node("BatchNormalization", "bn", in, training && r.nextBoolean() ? List.of("y", "mean", "var")
                : List.of("y"), integer("training_mode", v(training ? 1 : 0)), real("epsilon", 1e-5f),
                real("momentum", 0.9f));
    }

    private String autoPad() {
        String[] all = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
        return crafted && r.nextInt(10) == 0 ? "SAME" : all[r.nextInt(all.length)];
    }

    /** A sane dimension in [1, max] (0 now and then when crafted), or an extreme one. */
    private long dim(int max) {
        if (crafted && r.nextInt(12) == 0) return r.nextInt(3) == 0 ? 0 : Mutations.extreme(r);
        return 1 + r.nextInt(max);
    }

    private long[] dims(long... d) {
        return d;
    }

    private long[] batched(long... matrix) {
        if (r.nextInt(3) != 0) return matrix;
        return new long[] {dim(2), matrix[0], matrix[1]};
    }

    private long[] randomRank() {
        long[] d = new long[1 + r.nextInt(4)];
        for (int i = 0; i < d.length; i++) d[i] = dim(4);
        return d;
    }

    /** A sane value, or when crafted now and then an extreme one. */
    private long v(long sane) {
        return crafted && r.nextInt(4) == 0 ? Mutations.extreme(r) : sane;
    }

    /** A list of sane values, any of them extreme when crafted, or a list of the wrong length. */
    private long[] list(long... sane) {
        if (crafted && r.nextInt(10) == 0) {
            long[] wrong = new long[r.nextInt(6)];
            for (int i = 0; i < wrong.length; i++) wrong[i] = Mutations.extreme(r);
            return wrong;
        }
        long[] out = sane.clone();
        for (int i = 0; i < out.length; i++) out[i] = v(out[i]);
        return out;
    }

    private String input(long[] dims) {
        return add(dims, false);
    }

    private String positive(long[] dims) {
        return add(dims, true);
    }

    /** A graph input of these dims: values for them when their product is small, a few values otherwise. */
    private String add(long[] dims, boolean positive) {
        long n = 1;
        for (long d : dims) if (n >= 0) n = d < 0 || d > 4096 || n * d > 4096 ? -1 : n * d;
        float[] v = new float[n < 0 ? r.nextInt(8) : (int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (positive ? 0.5 + r.nextDouble() : r.nextGaussian());
        String name = "in" + inputs.size();
        inputs.add(tensor(name, dims, v));
        return name;
    }
}
