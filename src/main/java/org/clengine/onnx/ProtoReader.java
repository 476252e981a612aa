package org.clengine.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A protobuf wire-format reader: enough for ONNX's messages. Hand-written because the engine reads a handful of
 * fields from six message types; generated protobuf-java classes would need protoc in the build for that.
 * Reads fields in order: {@link #next()} moves to the next field, then one of the value methods reads it.
 */
final class ProtoReader {
    static final int VARINT = 0, FIXED64 = 1, LENGTH = 2, FIXED32 = 5;

    private final byte[] data;
    private int pos;
    private final int end;
    private int field;
    private int wireType;

    ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int from, int to) {
        this.data = data;
        this.pos = from;
        this.end = to;
    }

    /** Moves to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) return false;
        long key = varint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field == 0) throw new OnnxFormatException("field number 0 at byte " + pos);
        return true;
    }

    int field() {
        return field;
    }

    int wireType() {
        return wireType;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw new OnnxFormatException("truncated varint at byte " + pos);
            byte b = data[pos++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) return result;
        }
        throw new OnnxFormatException("varint longer than 10 bytes at byte " + pos);
    }

    /** A varint that must be a non-negative int32, as an enum (a data type, an attribute type) is. */
    int enumValue(String what) {
        int at = pos;
        long v = varint();
        if (v < 0 || v > Integer.MAX_VALUE) throw new OnnxFormatException(what + " " + v + " at byte " + at
                + " is not a valid enum value");
        return (int) v;
    }

    float fixed32Float() {
        need(4);
        float v = ByteBuffer.wrap(data, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        pos += 4;
        return v;
    }

    /** The bytes of a length-delimited field. */
    byte[] bytes() {
        int n = length();
        byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** A reader over an embedded message. */
    ProtoReader message() {
        int n = length();
        ProtoReader inner = new ProtoReader(data, pos, pos + n);
        pos += n;
        return inner;
    }

    /** Repeated int64s: one varint, or a packed run. */
    void int64s(java.util.function.LongConsumer out) {
        if (wireType == VARINT) {
            out.accept(varint());
            return;
        }
        ProtoReader packed = message();
        while (packed.pos < packed.end) out.accept(packed.varint());
    }

    /** Repeated floats: one fixed32, or a packed run. */
    void floats(java.util.function.DoubleConsumer out) {
        if (wireType == FIXED32) {
            out.accept(fixed32Float());
            return;
        }
        ProtoReader packed = message();
        while (packed.pos < packed.end) out.accept(packed.fixed32Float());
    }

    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw new OnnxFormatException("unsupported wire type " + wireType + " for field " + field);
        }
    }

    private int length() {
        long n = varint();
        if (n < 0 || n > end - pos) throw new OnnxFormatException("length " + n + " runs past the end at byte " + pos);
        return (int) n;
    }

    private void advance(int n) {
        need(n);
        pos += n;
    }

    private void need(int n) {
        if (end - pos < n) throw new OnnxFormatException("truncated field " + field + " at byte " + pos);
    }
}
