package org.clengine.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.core.InputFiles;

/** The parts of an ONNX ModelProto the engine runs: the graph's nodes, inputs, outputs and initializers. */
public record OnnxModel(long opset, List<Node> nodes, List<String> inputs, List<String> outputs,
        Map<String, OnnxTensor> initializers, List<String> nonTensors) {

    /** One NodeProto; its attributes are read through checked accessors that name the node in every error. */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
            Map<String, Attribute> attributes) {

        /** How messages name the node: "Conv node 'conv1'", or by its first output when it has no name. */
        public String describe() {
            if (!name.isEmpty()) return opType + " node '" + name + "'";
            return opType + " node" + (outputs.isEmpty() || outputs.get(0).isEmpty() ? "" : " (output '"
                    + outputs.get(0) + "')");
        }

        /** An error about this node: its description, then the problem. */
        public OnnxFormatException error(String problem) {
            return new OnnxFormatException(describe() + ": " + problem);
        }

        public long i(String name, long fallback) {
            Attribute a = typed(name, Attribute.INT);
            return a == null ? fallback : a.i();
        }

        public float f(String name, float fallback) {
            Attribute a = typed(name, Attribute.FLOAT);
            return a == null ? fallback : a.f();
        }

        public String s(String name, String fallback) {
            Attribute a = typed(name, Attribute.STRING);
            return a == null ? fallback : a.s();
        }

        /** INTS attribute, or null when absent. */
        public long[] ints(String name) {
            Attribute a = typed(name, Attribute.INTS);
            return a == null ? null : a.ints();
        }

        /** INT attribute within [min, max], or {@code fallback} when absent: a value outside is an error, never cast. */
        public int intAttr(String name, int fallback, int min, int max) {
            Attribute a = typed(name, Attribute.INT);
            return a == null ? fallback : checked(name, a.i(), min, max);
        }

        /** INTS attribute of {@code count} values within [min, max], or {@code fallback} when absent or empty. */
        public int[] intsAttr(String name, int count, int min, int max, int... fallback) {
            long[] v = ints(name);
            if (v == null || v.length == 0) return fallback;
            if (v.length != count) {
                throw error("attribute " + name + " has " + v.length + " values " + Arrays.toString(v) + ", expected "
                        + count);
            }
            int[] out = new int[count];
            for (int k = 0; k < count; k++) out[k] = checked(name, v[k], min, max);
            return out;
        }

        /** Input {@code k}, or null when absent or named "" (an omitted optional input). */
        public String input(int k) {
            return k < inputs.size() && !inputs.get(k).isEmpty() ? inputs.get(k) : null;
        }

        private int checked(String name, long v, int min, int max) {
            if (v < min || v > max) {
                throw error("attribute " + name + " = " + v + " is outside [" + min + ", " + max + "]");
            }
            return (int) v;
        }

        /** The attribute, or null; its declared type must be {@code type} (0, undeclared, comes from old files). */
        private Attribute typed(String name, int type) {
            Attribute a = attributes.get(name);
            if (a != null && a.type() != 0 && a.type() != type) {
                throw error("attribute " + name + " has type " + a.type() + ", expected " + type + " (ONNX's "
                        + "AttributeType: 1 FLOAT, 2 INT, 3 STRING, 7 INTS)");
            }
            return a;
        }
    }

    /** One AttributeProto: the value of its type is set. */
    public record Attribute(String name, int type, float f, long i, String s, long[] ints, float[] floats,
            OnnxTensor t) {
        public static final int FLOAT = 1, INT = 2, STRING = 3, INTS = 7;
    }

    /** Reads a model file: a regular file of at most {@link InputFiles#maxBytes()} bytes. */
    public static OnnxModel read(Path file) throws IOException {
        return parse(InputFiles.readAll(file, "an ONNX model"), file.toString());
    }

    /** A model from its bytes; {@code source} names it in errors. */
    static OnnxModel parse(byte[] bytes, String source) {
        try {
            return parse(new ProtoReader(bytes), source);
        } catch (UnsupportedTypeException e) {
            throw e;
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(source + ": " + e.getMessage(), e);
        }
    }

    private static OnnxModel parse(ProtoReader r, String source) {
        long opset = 0;
        OnnxModel graph = null;
        while (r.next()) {
            switch (r.field()) {
                case 7 -> graph = graph(r.message());
                case 8 -> opset = Math.max(opset, opsetVersion(r.message()));
                default -> r.skip();
            }
        }
        if (graph == null) throw new OnnxFormatException("the model has no graph");
        return new OnnxModel(opset, graph.nodes, graph.inputs, graph.outputs, graph.initializers, graph.nonTensors);
    }

    private static long opsetVersion(ProtoReader r) {
        String domain = "";
        long version = 0;
        while (r.next()) {
            if (r.field() == 1) domain = r.string();
            else if (r.field() == 2) version = r.varint();
            else r.skip();
        }
        return domain.isEmpty() || domain.equals("ai.onnx") ? version : 0;
    }

    private static OnnxModel graph(ProtoReader r) {
        List<Node> nodes = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, OnnxTensor> init = new LinkedHashMap<>();
        List<String> nonTensors = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nodes.add(node(r.message()));
                case 5 -> {
                    OnnxTensor t = OnnxTensor.parse(r.message());
                    init.put(t.name(), t);
                }
                case 11 -> inputs.add(valueName(r.message(), nonTensors));
                case 12 -> outputs.add(valueName(r.message(), nonTensors));
                default -> r.skip();
            }
        }
        return new OnnxModel(0, nodes, inputs, outputs, init, nonTensors);
    }

    /** A ValueInfoProto's name; names whose TypeProto is a sequence, map, optional or sparse go to nonTensors. */
    private static String valueName(ProtoReader r, List<String> nonTensors) {
        String name = "";
        boolean tensor = true;
        while (r.next()) {
            if (r.field() == 1) {
                name = r.string();
            } else if (r.field() == 2) {
                ProtoReader type = r.message();
                while (type.next()) {
                    if (type.field() != 1 && type.field() != 6 && type.field() != 7) tensor = false; // 6, 7: denotation
                    type.skip();
                }
            } else {
                r.skip();
            }
        }
        if (!tensor) nonTensors.add(name);
        return name;
    }

    private static Node node(ProtoReader r) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        String op = "";
        String name = "";
        String domain = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    Attribute a = attribute(r.message());
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        return new Node(name, op, domain, in, out, attrs);
    }

    private static Attribute attribute(ProtoReader r) {
        String name = "";
        String s = "";
        int type = 0;
        float f = 0;
        long i = 0;
        OnnxTensor t = null;
        OnnxTensor.LongList ints = new OnnxTensor.LongList();
        OnnxTensor.FloatList floats = new OnnxTensor.FloatList();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> f = r.fixed32Float();
                case 3 -> i = r.varint();
                case 4 -> s = r.string();
                case 5 -> t = OnnxTensor.parse(r.message());
                case 7 -> r.floats(v -> floats.add((float) v));
                case 8 -> r.int64s(ints::add);
                case 20 -> type = r.enumValue("attribute type");
                default -> r.skip();
            }
        }
        return new Attribute(name, type, f, i, s, ints.toArray(), floats.toArray(), t);
    }
}
