package org.clengine.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An ONNX TensorProto read into floats: FLOAT tensors from raw_data or float_data, integer tensors (INT64, INT32)
 * from raw_data or int64/int32 data, kept both as longs and as floats.
 */
public record OnnxTensor(String name, long[] dims, int dataType, float[] floats, long[] longs) {
    public static final int FLOAT = 1, INT32 = 6, INT64 = 7;

    public int[] shape() {
        int[] s = new int[dims.length];
        for (int i = 0; i < dims.length; i++) s[i] = Math.toIntExact(dims[i]);
        return s;
    }

    public int size() {
        return floats.length;
    }

    public static OnnxTensor read(Path file) throws IOException {
        return parse(new ProtoReader(Files.readAllBytes(file)));
    }

    static OnnxTensor parse(ProtoReader r) {
        String name = "";
        int type = 0;
        LongList dims = new LongList();
        LongList ints = new LongList();
        FloatList floats = new FloatList();
        byte[] raw = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.int64s(dims::add);
                case 2 -> type = (int) r.varint();
                case 4 -> r.floats(v -> floats.add((float) v));
                case 5, 7 -> r.int64s(ints::add);
                case 8 -> name = r.string();
                case 9 -> raw = r.bytes();
                case 14 -> {
                    if (r.varint() != 0) throw new OnnxFormatException("tensor '" + name + "' keeps its data in an "
                            + "external file, which this reader does not follow");
                }
                default -> r.skip();
            }
        }
        long n = 1;
        for (long d : dims.toArray()) n *= d;
        float[] f;
        long[] l;
        if (type == FLOAT) {
            f = raw != null ? rawFloats(raw) : floats.toArray();
            l = new long[0];
        } else if (type == INT64 || type == INT32) {
            l = raw != null ? rawInts(raw, type == INT64 ? 8 : 4) : ints.toArray();
            f = new float[l.length];
            for (int i = 0; i < l.length; i++) f[i] = l[i];
        } else {
            throw new UnsupportedTypeException("tensor '" + name + "' has data type " + type + " (the engine computes in"
                    + " FLOAT and reads INT32/INT64)");
        }
        if (f.length != n) {
            throw new OnnxFormatException("tensor '" + name + "' has dims " + Arrays.toString(dims.toArray()) + " ("
                    + n + " values) but holds " + f.length);
        }
        return new OnnxTensor(name, dims.toArray(), type, f, l);
    }

    /** A FLOAT TensorProto with raw_data, as ONNX's own test data are written. */
    public byte[] toProto() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long d : dims) {
            out.write(8);
            varint(out, d);
        }
        out.write(2 << 3);
        varint(out, FLOAT);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        out.write(8 << 3 | 2);
        varint(out, n.length);
        out.writeBytes(n);
        ByteBuffer raw = ByteBuffer.allocate(floats.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : floats) raw.putFloat(v);
        out.write(9 << 3 | 2);
        varint(out, raw.capacity());
        out.writeBytes(raw.array());
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static float[] rawFloats(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.length / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat();
        return out;
    }

    private static long[] rawInts(byte[] raw, int width) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[raw.length / width];
        for (int i = 0; i < out.length; i++) out[i] = width == 8 ? b.getLong() : b.getInt();
        return out;
    }

    static final class LongList {
        private long[] a = new long[8];
        private int n;

        void add(long v) {
            if (n == a.length) a = Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    static final class FloatList {
        private float[] a = new float[8];
        private int n;

        void add(float v) {
            if (n == a.length) a = Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
