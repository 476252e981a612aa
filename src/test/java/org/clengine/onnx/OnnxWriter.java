package org.clengine.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * ONNX protobufs written by hand for the tests: models of a few nodes, tensors, and attributes of any value,
 * including those no exporter writes (a stride of 2^32 + 1, dims whose product wraps).
 */
final class OnnxWriter {
    private OnnxWriter() {
    }

    /** One protobuf message, built field by field. */
    static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Message varint(int field, long v) {
            key(field, 0);
            OnnxWriter.varint(out, v);
            return this;
        }

        Message bytes(int field, byte[] b) {
            key(field, 2);
            OnnxWriter.varint(out, b.length);
            out.writeBytes(b);
            return this;
        }

        Message string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, Message m) {
            return bytes(field, m.toBytes());
        }

        Message fixed32(int field, float v) {
            key(field, 5);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }

        private void key(int field, int wireType) {
            OnnxWriter.varint(out, (long) field << 3 | wireType);
        }
    }

    static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    static Message ints(String name, long... values) {
        Message m = new Message().string(1, name);
        for (long v : values) m.varint(8, v);
        return m.varint(20, 7);
    }

    static Message integer(String name, long value) {
        return new Message().string(1, name).varint(3, value).varint(20, 2);
    }

    static Message real(String name, float value) {
        return new Message().string(1, name).fixed32(2, value).varint(20, 1);
    }

    static Message text(String name, String value) {
        return new Message().string(1, name).string(4, value).varint(20, 3);
    }

    static Message node(String op, String name, List<String> inputs, List<String> outputs, Message... attributes) {
        Message m = new Message();
        inputs.forEach(i -> m.string(1, i));
        outputs.forEach(o -> m.string(2, o));
        if (!name.isEmpty()) m.string(3, name);
        m.string(4, op);
        for (Message a : attributes) m.message(5, a);
        return m;
    }

    /** A FLOAT tensor with raw_data; dims are written as given, whatever their product. */
    static Message tensor(String name, long[] dims, float[] data) {
        Message m = new Message();
        for (long d : dims) m.varint(1, d);
        m.varint(2, OnnxTensor.FLOAT).string(8, name);
        ByteBuffer raw = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) raw.putFloat(v);
        return m.bytes(9, raw.array());
    }

    /** A ValueInfoProto naming a FLOAT tensor. */
    static Message value(String name) {
        return new Message().string(1, name).message(2, new Message().message(1, new Message().varint(1, 1)));
    }

    static byte[] model(List<Message> nodes, List<String> inputs, List<String> outputs, List<Message> initializers) {
        Message g = new Message();
        nodes.forEach(n -> g.message(1, n));
        g.string(2, "g");
        initializers.forEach(t -> g.message(5, t));
        inputs.forEach(i -> g.message(11, value(i)));
        outputs.forEach(o -> g.message(12, value(o)));
        return new Message().varint(1, 8).message(7, g).message(8, new Message().string(1, "").varint(2, 13))
                .toBytes();
    }

    /** A node-test directory: model.onnx and test_data_set_0 with its inputs and expected outputs. */
    static Path testCase(Path dir, byte[] model, List<Message> inputs, List<Message> outputs) throws IOException {
        Path set = Files.createDirectories(dir.resolve("test_data_set_0"));
        Files.write(dir.resolve("model.onnx"), model);
        for (int i = 0; i < inputs.size(); i++) Files.write(set.resolve("input_" + i + ".pb"), inputs.get(i).toBytes());
        for (int i = 0; i < outputs.size(); i++) {
            Files.write(set.resolve("output_" + i + ".pb"), outputs.get(i).toBytes());
        }
        return dir;
    }
}
