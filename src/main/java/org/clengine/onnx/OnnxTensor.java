package org.clengine.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.clengine.core.InputFiles;

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

    /** A FLOAT tensor of this shape whose values are not given: for the checks that read only dims. */
    static OnnxTensor shapeOnly(String name, int[] shape) {
        return new OnnxTensor(name, java.util.Arrays.stream(shape).asLongStream().toArray(), FLOAT, new float[0],
                new long[0]);
    }

    /** The most dimensions a tensor may have: ONNX sets no bound; the engine's operators take at most a few. */
    static final int MAX_RANK = 64;
    /** The most values a Java array holds. */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    /** Reads a tensor file: a regular file of at most {@link InputFiles#maxBytes()} bytes. */
    public static OnnxTensor read(Path file) throws IOException {
        byte[] bytes = InputFiles.readAll(file, "an ONNX tensor");
        try {
            return parse(new ProtoReader(bytes));
        } catch (UnsupportedTypeException e) {
            throw e;
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(file + ": " + e.getMessage(), e);
        }
    }

    static OnnxTensor parse(ProtoReader r) {
        String name = "";
        int type = 0;
        LongList dims = new LongList(MAX_RANK, "a tensor's dims");
        LongList ints = new LongList();
        FloatList floats = new FloatList();
        byte[] raw = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.int64s(dims::add);
                case 2 -> type = r.enumValue("tensor data_type");
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
        long n = count(name, dims.toArray());
        float[] f;
        long[] l;
        if (type == FLOAT) {
            f = raw != null ? rawFloats(name, raw) : floats.toArray();
            l = new long[0];
        } else if (type == INT64 || type == INT32) {
            l = raw != null ? rawInts(name, raw, type == INT64 ? 8 : 4) : ints.toArray();
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

    /**
     * The number of values {@code dims} declare, in exact arithmetic: every dimension in [0, 2^31), the product
     * at most what an array holds. (A product taken in long once wrapped [2^32, 2^32] to 0 values.)
     */
    private static long count(String name, long[] dims) {
        for (long d : dims) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new OnnxFormatException("tensor '" + name + "' has dims " + Arrays.toString(dims)
                        + "; a dimension must be in [0, 2^31)");
            }
        }
        if (Arrays.stream(dims).anyMatch(d -> d == 0)) return 0;
        long n = 1;
        for (long d : dims) {
            n *= d; // n ≤ MAX_VALUES and d < 2^31: no overflow
            if (n > MAX_VALUES) {
                throw new OnnxFormatException("tensor '" + name + "' has dims " + Arrays.toString(dims)
                        + ", more values than an array holds");
            }
        }
        return n;
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

    private static float[] rawFloats(String name, byte[] raw) {
        wholeValues(name, raw, 4);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.length / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat();
        return out;
    }

    private static long[] rawInts(String name, byte[] raw, int width) {
        wholeValues(name, raw, width);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[raw.length / width];
        for (int i = 0; i < out.length; i++) out[i] = width == 8 ? b.getLong() : b.getInt();
        return out;
    }

    /** raw_data must hold whole values: a stray byte is damage, never silently dropped. */
    private static void wholeValues(String name, byte[] raw, int width) {
        if (raw.length % width != 0) {
            throw new OnnxFormatException("tensor '" + name + "' has " + raw.length + " bytes of raw_data, not a "
                    + "whole number of " + width + "-byte values");
        }
    }

    /** A growing list of longs, refusing to pass {@code max} (a tensor's dims, an attribute's ints). */
    static final class LongList {
        private final int max;
        private final String what;
        private long[] a = new long[8];
        private int n;

        LongList() {
            this((int) MAX_VALUES, "a repeated field");
        }

        LongList(int max, String what) {
            this.max = max;
            this.what = what;
        }

        void add(long v) {
            if (n == max) throw new OnnxFormatException(what + " has more than " + max + " values");
            if (n == a.length) a = Arrays.copyOf(a, (int) Math.min(MAX_VALUES, 2L * n));
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
            if (n == MAX_VALUES) throw new OnnxFormatException("a repeated field has more than " + MAX_VALUES
                    + " values");
            if (n == a.length) a = Arrays.copyOf(a, (int) Math.min(MAX_VALUES, 2L * n));
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
