package org.clengine.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One ONNX graph being written: nodes in execution order, float initializers, one input whose first dimension is
 * the symbolic batch size "N", one output. Field numbers are onnx.proto's (ModelProto 7 graph, 8 opset_import;
 * GraphProto 1 node, 5 initializer, 11 input, 12 output; NodeProto 1 input, 2 output, 3 name, 4 op_type,
 * 5 attribute; TensorProto 1 dims, 2 data_type, 8 name, 9 raw_data).
 */
final class OnnxGraphWriter {
    /** IR version 7 goes with opset 13 (ONNX's versioning table); ONNX Runtime 1.20 reads IR up to 10. */
    static final long IR_VERSION = 7, OPSET = 13;

    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int counter;

    /** An attribute of a node. */
    record Attr(String name, ProtoWriter proto) {
        static Attr ints(String name, long... values) {
            ProtoWriter p = new ProtoWriter().string(1, name);
            for (long v : values) p.varint(8, v);
            return new Attr(name, p.varint(20, OnnxModel.Attribute.INTS));
        }

        static Attr integer(String name, long value) {
            return new Attr(name, new ProtoWriter().string(1, name).varint(3, value).varint(20,
                    OnnxModel.Attribute.INT));
        }

        static Attr real(String name, float value) {
            return new Attr(name, new ProtoWriter().string(1, name).float32(2, value).varint(20,
                    OnnxModel.Attribute.FLOAT));
        }
    }

    /** Adds a node of one output; returns the output's name. */
    String node(String opType, String name, List<String> inputs, Attr... attrs) {
        String output = unique(name + "/" + opType);
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) n.string(1, in);
        n.string(2, output).string(3, output).string(4, opType);
        for (Attr a : attrs) n.message(5, a.proto());
        nodes.add(n);
        return output;
    }

    /** Adds a FLOAT initializer holding {@code data} in raw little-endian bytes; returns its name. */
    String initializer(String name, float[] data, int... dims) {
        if (!names.add(name)) throw new IllegalArgumentException("two initializers named '" + name + "'");
        ProtoWriter t = new ProtoWriter();
        for (int d : dims) t.varint(1, d);
        ByteBuffer raw = ByteBuffer.allocate(Math.multiplyExact(data.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) raw.putFloat(v);
        initializers.add(t.varint(2, OnnxTensor.FLOAT).string(8, name).bytes(9, raw.array()));
        return name;
    }

    /** The ModelProto: input [N, sample...], output [N, outSample...], opset {@value #OPSET} of the default domain. */
    byte[] model(String input, int[] sample, String output, int[] outSample, String producer) {
        ProtoWriter g = new ProtoWriter();
        nodes.forEach(n -> g.message(1, n));
        g.string(2, "clengine");
        initializers.forEach(t -> g.message(5, t));
        g.message(11, valueInfo(input, sample));
        g.message(12, valueInfo(output, outSample));
        return new ProtoWriter().varint(1, IR_VERSION).string(2, producer).message(7, g)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET)).toBytes();
    }

    /** A float tensor's ValueInfoProto of shape [N, sample...]. */
    private static ProtoWriter valueInfo(String name, int[] sample) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N"));
        for (int d : sample) shape.message(1, new ProtoWriter().varint(1, d));
        ProtoWriter tensorType = new ProtoWriter().varint(1, OnnxTensor.FLOAT).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }

    /** A value name not yet used: the module's path and op type, numbered on a clash. */
    private String unique(String base) {
        String n = base;
        while (!names.add(n)) n = base + "_" + (++counter);
        return n;
    }
}
