package org.clengine.onnx;

import static org.clengine.onnx.OnnxWriter.integer;
import static org.clengine.onnx.OnnxWriter.ints;
import static org.clengine.onnx.OnnxWriter.model;
import static org.clengine.onnx.OnnxWriter.node;
import static org.clengine.onnx.OnnxWriter.tensor;
import static org.clengine.onnx.OnnxWriter.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.onnx.OnnxWriter.Message;
import org.clengine.testing.Allocations;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * Malformed models and hostile attributes: each ends in an {@link OnnxFormatException} naming the node and the
 * problem, the same on both backends, never a NullPointerException, an index out of bounds, an ArithmeticException,
 * a wrapped cast or an allocation the file's sizes asked for.
 */
class OnnxMalformedTest {
    static final long[] X4 = {1, 1, 5, 5};

    static Message x(String name, long... dims) {
        int n = 1;
        for (long d : dims) n *= (int) d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i % 7 - 3;
        return tensor(name, dims, v);
    }

    /** Runs a one-node model on x and w (when given) as graph inputs; returns the skip reason or null. */
    static String run(Backend b, Message node, Message... inputs) {
        List<String> names = java.util.stream.IntStream.range(0, inputs.length).mapToObj(i -> "in" + i).toList();
        OnnxModel m = OnnxModel.parse(model(List.of(node), names, List.of("y"), List.of()), "test");
        Map<String, OnnxTensor> values = new HashMap<>();
        for (Message t : inputs) {
            OnnxTensor parsed = OnnxTensor.parse(new ProtoReader(t.toBytes()));
            values.put(parsed.name(), parsed);
        }
        return OnnxTestRunner.execute(b, m, values);
    }

    static void refused(String words, Message node, Message... inputs) {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            var e = assertThrows(OnnxFormatException.class, () -> run(b, node, inputs), () -> words + " on " + b.name());
            assertTrue(e.getMessage().contains(words), () -> "expected '" + words + "' on " + b.name() + " in: "
                    + e.getMessage());
        }
    }

    static Message conv(Message... attrs) {
        return node("Conv", "c", List.of("in0", "in1"), List.of("y"), attrs);
    }

    @Test
    void windowAttributesAreCheckedNotCast() {
        Message x = x("in0", X4), w = x("in1", 1, 1, 3, 3);
        refused("Conv node 'c': attribute strides = 4294967297 is outside [1, 2147483647]",
                conv(ints("strides", (1L << 32) + 1, 1)), x, w);
        refused("attribute dilations = -1 is outside [1, 2147483647]", conv(ints("dilations", -1, 1)), x, w);
        refused("attribute pads = -2 is outside [0, 2147483647]", conv(ints("pads", 0, -2, 0, 0)), x, w);
        refused("attribute strides = 0 is outside", conv(ints("strides", 0, 0), text("auto_pad", "SAME_UPPER")), x, w);
        refused("attribute strides has 1 values [2], expected 2", conv(ints("strides", 2)), x, w);
        refused("attribute group = 4294967297 is outside [1, 2147483647]", conv(integer("group", (1L << 32) + 1)), x, w);
        refused("auto_pad 'SAME_MIDDLE' is none of", conv(text("auto_pad", "SAME_MIDDLE")), x, w);
        refused("attribute strides has type 2, expected 7", conv(integer("strides", 2)), x, w);
        refused("kernel_shape [2, 2] differs from the weights [1, 1, 3, 3]", conv(ints("kernel_shape", 2, 2)), x, w);
        // the SIGSEGV: dilation 2^30 once wrapped a 5-row window to 1 row
        Message w5 = x("in1", 1, 1, 5, 5);
        refused("its window spans 4294967297 rows or columns (kernel and dilation), more than the 5",
                conv(ints("dilations", 1L << 30, 1)), x, w5);
        refused("spans 4294967299 rows or columns, more than an int indexes",
                conv(ints("pads", Integer.MAX_VALUE, 0, Integer.MAX_VALUE, 0)), x, w);
        refused("its output [1, 1, 1073741827, 3] would hold more than 67108864 values",
                conv(ints("pads", 1 << 29, 0, 1 << 29, 0)), x, w);
        Message pool = node("MaxPool", "p", List.of("in0"), List.of("y"));
        refused("MaxPool node 'p': attribute kernel_shape is missing", pool, x);
        refused("attribute kernel_shape = 4294967298 is outside", node("AveragePool", "p", List.of("in0"),
                List.of("y"), ints("kernel_shape", (1L << 32) + 2, 2)), x);
        refused("attribute ceil_mode = 2 is outside [0, 1]", node("MaxPool", "p", List.of("in0"), List.of("y"),
                ints("kernel_shape", 2, 2), integer("ceil_mode", 2)), x);
    }

    @Test
    void productsCheckTheirOperandsAndTheirSize() {
        Message gemm = node("Gemm", "g", List.of("in0", "in1"), List.of("y"));
        refused("op(A) is 2×3 and op(B) 4×2 (transA 0, transB 0): the inner dimensions differ", gemm,
                x("in0", 2, 3), x("in1", 4, 2));
        refused("A [6] and B [2, 3]: Gemm takes 2-D A and B", gemm, x("in0", 6), x("in1", 2, 3));
        refused("C [3, 2] does not broadcast to the output [2, 2]", node("Gemm", "g", List.of("in0", "in1", "in2"),
                List.of("y")), x("in0", 2, 3), x("in1", 3, 2), x("in2", 3, 2));
        refused("attribute transA = 4294967297 is outside [0, 1]", node("Gemm", "g", List.of("in0", "in1"),
                List.of("y"), integer("transA", (1L << 32) + 1)), x("in0", 2, 2), x("in1", 2, 2));
        refused("A [2, 3, 4] and B [2, 5, 2]: the inner dimensions 4 and 5 differ",
                node("MatMul", "m", List.of("in0", "in1"), List.of("y")), x("in0", 2, 3, 4), x("in1", 2, 5, 2));
    }

    /** A Gemm of A [40000, 1] and B [1, 40000] once allocated 6.4 GB before any check; now nothing near that. */
    @Test
    void hugeOutputsAreRefusedBeforeAllocating() {
        Message gemm = node("Gemm", "big", List.of("in0", "in1"), List.of("y"));
        Message a = x("in0", 40000, 1), bt = x("in1", 1, 40000);
        long before = Allocations.allocated();
        refused("Gemm node 'big': its output [40000, 40000] would hold more than 67108864 values", gemm, a, bt);
        long allocated = Allocations.allocated() - before;
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a refused Gemm");
        // the file: A [40000, 0] × B [0, 40000] holds no values at all; the engine has no empty tensors
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            String skip = run(b, gemm, x("in0", 40000, 0), x("in1", 0, 40000));
            assertTrue(skip.contains("input in0 of Gemm node 'big' is empty, [40000, 0]"), skip);
        }
    }

    @Test
    void malformedNodesNameTheNode() {
        refused("Gemm node 'g': lacks input 1; Gemm needs 2", node("Gemm", "g", List.of("in0"), List.of("y")),
                x("in0", 2, 2));
        refused("Relu node 'r': has 2 inputs; Relu takes at most 1", node("Relu", "r", List.of("in0", "in0"),
                List.of("y")), x("in0", 2, 2));
        refused("Relu node 'r': names no output", node("Relu", "r", List.of("in0"), List.of()), x("in0", 2));
        refused("Flatten node 'f': attribute axis = 7 is outside [-2, 2]", node("Flatten", "f", List.of("in0"),
                List.of("y"), integer("axis", 7)), x("in0", 2, 2));
        refused("Relu node (output 'y'): has 2 inputs", node("Relu", "", List.of("in0", "in0"), List.of("y")),
                x("in0", 2));
        // an argument the engine's op refuses is reported with the node too
        refused("BatchNormalization node 'bn': data has 3 floats", node("BatchNormalization", "bn",
                List.of("in0", "in1", "in1", "in1", "in1"), List.of("y")), x("in0", 2, 2), x("in1", 3));
    }

    /** Dims are checked exactly: [2^32, 2^32] once multiplied to 0 in long and matched an empty tensor. */
    @Test
    void tensorDimsAndDataAreExact() {
        var wrap = assertThrows(OnnxFormatException.class, () -> OnnxTensor.parse(new ProtoReader(
                tensor("t", new long[] {1L << 32, 1L << 32}, new float[0]).toBytes())));
        assertTrue(wrap.getMessage().contains("tensor 't' has dims [4294967296, 4294967296]; a dimension must be in "
                + "[0, 2^31)"), wrap.getMessage());
        var negative = assertThrows(OnnxFormatException.class, () -> OnnxTensor.parse(new ProtoReader(
                tensor("t", new long[] {-1, -1}, new float[1]).toBytes())));
        assertTrue(negative.getMessage().contains("has dims [-1, -1]"), negative.getMessage());
        var big = assertThrows(OnnxFormatException.class, () -> OnnxTensor.parse(new ProtoReader(
                tensor("t", new long[] {1 << 30, 1 << 30, 1 << 30}, new float[0]).toBytes())));
        assertTrue(big.getMessage().contains("more values than an array holds"), big.getMessage());
        Message odd = new Message().varint(1, 1).varint(2, OnnxTensor.FLOAT).string(8, "t").bytes(9, new byte[5]);
        var stray = assertThrows(OnnxFormatException.class, () -> OnnxTensor.parse(new ProtoReader(odd.toBytes())));
        assertTrue(stray.getMessage().contains("has 5 bytes of raw_data, not a whole number of 4-byte values"),
                stray.getMessage());
        Message type = new Message().varint(1, 1).varint(2, (1L << 32) + OnnxTensor.FLOAT).bytes(9, new byte[4]);
        var cast = assertThrows(OnnxFormatException.class, () -> OnnxTensor.parse(new ProtoReader(type.toBytes())));
        assertTrue(cast.getMessage().contains("tensor data_type 4294967297 at byte 3 is not a valid enum value"),
                cast.getMessage());
        assertEquals(0, OnnxTensor.parse(new ProtoReader(tensor("e", new long[] {0, 7}, new float[0]).toBytes()))
                .size());
    }

    /**
     * Found by OnnxFuzzTest: a stride of 2^30 along W made the OpenCL backend's choice of its row kernel compute
     * 15·stride in int, which wrapped and picked a kernel whose private segment the stride then overran (SIGSEGV).
     */
    @Test
    void aStrideLongerThanTheInputRunsAlikeOnBothBackends() {
        Message conv = conv(ints("strides", 2, 1L << 30), ints("dilations", 256, 1), text("auto_pad", "SAME_UPPER"));
        float[] want = null;
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            OnnxModel m = OnnxModel.parse(model(List.of(conv), List.of("in0", "in1"), List.of("y"), List.of()), "t");
            Map<String, OnnxTensor> values = new HashMap<>();
            for (Message t : List.of(x("in0", 2, 1, 3, 4), x("in1", 1, 1, 1, 1))) {
                OnnxTensor parsed = OnnxTensor.parse(new ProtoReader(t.toBytes()));
                values.put(parsed.name(), parsed);
            }
            assertNull(OnnxTestRunner.execute(b, m, values));
            assertArrayEquals(new long[] {2, 1, 2, 1}, values.get("y").dims());
            if (want == null) want = values.get("y").floats();
            else assertArrayEquals(want, values.get("y").floats(), 1e-6f, "OpenCL against the reference");
        }
    }

    @Test
    void validNodesStillRun() {
        for (Backend b : List.of(TestBackends.REFERENCE, TestBackends.openCl())) {
            assertNull(run(b, conv(ints("strides", 2, 2), ints("pads", 1, 1, 1, 1)), x("in0", X4),
                    x("in1", 1, 1, 3, 3)));
            // training mode with only Y named: the optional running statistics are not produced
            assertNull(run(b, node("BatchNormalization", "bn", List.of("in0", "in1", "in1", "in1", "in1"),
                    List.of("y"), integer("training_mode", 1)), x("in0", 2, 2), x("in1", 2)));
        }
    }
}
