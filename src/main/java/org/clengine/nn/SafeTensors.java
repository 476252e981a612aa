package org.clengine.nn;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.clengine.core.InputFiles;
import org.clengine.core.Tensor;
import org.clengine.nn.SafeTensorsHeader.Dtype;
import org.clengine.nn.SafeTensorsHeader.Entry;

/**
 * A model's state as a <a href="https://github.com/huggingface/safetensors">safetensors</a> file, the format
 * PyTorch and Hugging Face use for weights: an 8-byte little-endian header length, a JSON header of name →
 * {@code {"dtype", "shape", "data_offsets"}} (and {@code "__metadata__": {"format": "pt"}}), then the raw
 * little-endian data. Names are PyTorch's {@code state_dict} keys, so that {@code module.load_state_dict(
 * safetensors.torch.load_file(f))} loads a clengine model into its PyTorch twin and the reverse: parameters and
 * running statistics as F32, each batch norm's {@code num_batches_tracked} as a 0-dimensional I64.
 *
 * <p>Loading is all or nothing, as for {@link StateFile}: the whole file is read and checked (header, offsets, names,
 * shapes, dtypes) into host arrays before the first value of the model is overwritten. F64, F16 and BF16 tensors are
 * converted to F32 (the nearest float; F16 and BF16 exactly); a counter may be I64 or I32, of shape [].
 */
public final class SafeTensors {
    private SafeTensors() {
    }

    /** Writes {@code model}'s parameters, buffers and counters, in that order, to {@code file}. */
    public static void save(Module model, Path file) throws IOException {
        Map<String, Tensor> tensors = StateFile.tensors(model);
        Map<String, Long> counters = model.counters();
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long bytes = 4L * e.getValue().size();
            header(h, e.getKey(), "F32", e.getValue().shape(), offset, offset + bytes);
            offset += bytes;
        }
        for (String name : counters.keySet()) {
            header(h, name, "I64", new int[0], offset, offset + 8);
            offset += 8;
        }
        h.append('}');
        // padded with spaces to a multiple of 8, as the safetensors library writes, so that the data is aligned
        while ((8 + h.length()) % 8 != 0) h.append(' ');
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(le(8).putLong(json.length).array());
            out.write(json);
            for (Tensor t : tensors.values()) {
                float[] data = t.toArray();
                ByteBuffer b = le(4 * data.length);
                b.asFloatBuffer().put(data);
                out.write(b.array());
            }
            for (long v : counters.values()) out.write(le(8).putLong(v).array());
        }
    }

    /**
     * Loads {@code file} into an existing model of the same architecture, all or nothing. Throws IOException for a
     * file that is not well-formed safetensors (header length, JSON, dtype, offsets, shapes), and
     * IllegalArgumentException naming what does not fit the model (missing or extra names, shapes, dtypes).
     */
    public static void load(Module model, Path file) throws IOException {
        byte[] bytes = InputFiles.readAll(file, "a safetensors file");
        SafeTensorsHeader header = SafeTensorsHeader.read(file.toString(), bytes);
        Map<String, Tensor> tensors = StateFile.tensors(model);
        Map<String, Long> counters = model.counters();
        Set<String> extra = new TreeSet<>(header.entries.keySet());
        extra.removeAll(tensors.keySet());
        extra.removeAll(counters.keySet());
        Set<String> missing = new TreeSet<>(tensors.keySet());
        missing.addAll(counters.keySet());
        missing.removeAll(header.entries.keySet());
        if (!extra.isEmpty() || !missing.isEmpty()) {
            throw new IllegalArgumentException(file + " does not hold this model's state: " + (missing.isEmpty() ? ""
                    : "it lacks " + missing + (extra.isEmpty() ? "" : "; ")) + (extra.isEmpty() ? ""
                    : "the model has no " + extra));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, float[]> data = new LinkedHashMap<>();
        for (var t : tensors.entrySet()) data.put(t.getKey(), floats(file, in, header.entries.get(t.getKey()),
                t.getValue()));
        Map<String, Long> longs = new LinkedHashMap<>();
        for (String name : counters.keySet()) longs.put(name, counter(file, in, header.entries.get(name)));
        // counters first, undone if the model refuses one, so that no tensor has been written when a load fails
        Map<String, Long> old = model.counters();
        try {
            longs.forEach(model::setCounter);
        } catch (RuntimeException e) {
            old.forEach(model::setCounter);
            throw e;
        }
        data.forEach((k, v) -> tensors.get(k).copyFrom(v));
    }

    /** The values of one tensor as floats, once its shape is the model's (so the array's size is the model's). */
    private static float[] floats(Path file, ByteBuffer in, Entry e, Tensor target) {
        long[] want = Arrays.stream(target.shape()).asLongStream().toArray();
        if (!Arrays.equals(e.shape(), want)) {
            throw new IllegalArgumentException(file + ": '" + e.name() + "' has shape " + Arrays.toString(e.shape())
                    + ", the model's is " + target.shapeString());
        }
        float[] v = new float[target.size()];
        int at = (int) e.begin();
        switch (e.dtype()) {
            case F32 -> in.slice(at, 4 * v.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            case F64 -> {
                for (int i = 0; i < v.length; i++) v[i] = (float) in.getDouble(at + 8 * i);
            }
            case BF16 -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.intBitsToFloat((in.getShort(at + 2 * i) & 0xffff) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < v.length; i++) v[i] = halfToFloat(in.getShort(at + 2 * i));
            }
            default -> throw new IllegalArgumentException(file + ": '" + e.name() + "' is " + e.dtype() + "; a "
                    + "parameter or running statistic must be F32 (F64, F16 and BF16 are converted)");
        }
        return v;
    }

    private static long counter(Path file, ByteBuffer in, Entry e) throws IOException {
        if (e.shape().length != 0) {
            throw new IllegalArgumentException(file + ": counter '" + e.name() + "' has shape "
                    + Arrays.toString(e.shape()) + "; a counter is one value (shape [])");
        }
        long v = switch (e.dtype()) {
            case I64 -> in.getLong((int) e.begin());
            case I32 -> in.getInt((int) e.begin());
            default -> throw new IllegalArgumentException(file + ": counter '" + e.name() + "' is " + e.dtype()
                    + "; a counter must be I64 (or I32)");
        };
        if (v < 0) throw new IOException(file + ": counter '" + e.name() + "' is " + v + "; counters count batches "
                + "and are never negative");
        return v;
    }

    /** IEEE 754 binary16 to float, exactly (Float.float16ToFloat arrives only in Java 20). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
        float sub = mant * 0x1p-24f;
        return sign != 0 ? -sub : sub;
    }

    private static void header(StringBuilder h, String name, String dtype, int[] shape, long begin, long end) {
        h.append(",\"").append(escape(name)).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":[");
        for (int i = 0; i < shape.length; i++) h.append(i > 0 ? "," : "").append(shape[i]);
        h.append("],\"data_offsets\":[").append(begin).append(',').append(end).append("]}");
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
