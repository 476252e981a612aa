package org.clengine.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parts of an ONNX ModelProto the engine runs: the graph's nodes, inputs, outputs and initializers. */
public record OnnxModel(long opset, List<Node> nodes, List<String> inputs, List<String> outputs,
        Map<String, OnnxTensor> initializers, List<String> nonTensors) {

    /** One NodeProto. */
    public record Node(String opType, String domain, List<String> inputs, List<String> outputs,
            Map<String, Attribute> attributes) {

        public long i(String name, long fallback) {
            Attribute a = attributes.get(name);
            return a == null ? fallback : a.i();
        }

        public float f(String name, float fallback) {
            Attribute a = attributes.get(name);
            return a == null ? fallback : a.f();
        }

        public String s(String name, String fallback) {
            Attribute a = attributes.get(name);
            return a == null ? fallback : a.s();
        }

        /** INTS attribute, or null when absent. */
        public long[] ints(String name) {
            Attribute a = attributes.get(name);
            return a == null ? null : a.ints();
        }

        /** Input {@code k}, or null when absent or named "" (an omitted optional input). */
        public String input(int k) {
            return k < inputs.size() && !inputs.get(k).isEmpty() ? inputs.get(k) : null;
        }
    }

    /** One AttributeProto: the value of its type is set. */
    public record Attribute(String name, int type, float f, long i, String s, long[] ints, float[] floats,
            OnnxTensor t) {
    }

    public static OnnxModel read(Path file) throws IOException {
        ProtoReader r = new ProtoReader(Files.readAllBytes(file));
        long opset = 0;
        OnnxModel graph = null;
        while (r.next()) {
            switch (r.field()) {
                case 7 -> graph = graph(r.message());
                case 8 -> opset = Math.max(opset, opsetVersion(r.message()));
                default -> r.skip();
            }
        }
        if (graph == null) throw new OnnxFormatException(file + " has no graph");
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
        String domain = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 4 -> op = r.string();
                case 5 -> {
                    Attribute a = attribute(r.message());
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        return new Node(op, domain, in, out, attrs);
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
                case 20 -> type = (int) r.varint();
                default -> r.skip();
            }
        }
        return new Attribute(name, type, f, i, s, ints.toArray(), floats.toArray(), t);
    }
}
