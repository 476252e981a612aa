package org.clengine.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A protobuf wire-format writer, the twin of {@link ProtoReader}: one message built field by field. Exporting a
 * model needs six ONNX message types and four wire encodings, so a writer of ~60 lines serves where protobuf-java
 * would add a 1.7 MB runtime dependency to the engine's jar and protoc to its build. Repeated scalars are written
 * unpacked, one key per value, as proto2 (ONNX's syntax) writes them by default; every reader accepts both.
 */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        key(field, ProtoReader.VARINT);
        rawVarint(value);
        return this;
    }

    ProtoWriter bytes(int field, byte[] value) {
        key(field, ProtoReader.LENGTH);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter value) {
        return bytes(field, value.toBytes());
    }

    ProtoWriter float32(int field, float value) {
        key(field, ProtoReader.FIXED32);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
        return this;
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    private void key(int field, int wireType) {
        rawVarint((long) field << 3 | wireType);
    }

    private void rawVarint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
