package org.clengine.nn;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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
import org.clengine.core.Tensor;

/**
 * A model's state (parameters, buffers, counters) in a file, all integers and floats little-endian:
 *
 * <pre>
 *   magic    8 bytes  "CLESTATE"
 *   version  u32      1
 *   count    u32      number of entries
 *   entry    × count:
 *     name    u16 length, then that many bytes of UTF-8 (PyTorch's state_dict key, e.g. "1.running_mean")
 *     kind    u8       0 = float32 tensor, 1 = int64 counter
 *     rank    u8       0 for a counter
 *     dims    u32 × rank
 *     data    float32 × product(dims), or one int64
 * </pre>
 *
 * Parameters come first, then buffers, then counters, each in the model's registration order. Loading requires
 * exactly the model's names and shapes and says which differ.
 */
public final class StateFile {
    private static final byte[] MAGIC = "CLESTATE".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private StateFile() {
    }

    /** Every tensor of the model's state by name: parameters, then buffers. */
    public static Map<String, Tensor> tensors(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.parameters().forEach((k, p) -> out.put(k, p.value()));
        out.putAll(model.buffers());
        return out;
    }

    public static void save(Module model, Path file) throws IOException {
        Map<String, Tensor> tensors = tensors(model);
        Map<String, Long> counters = model.counters();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(MAGIC);
            out.write(le(8).putInt(VERSION).putInt(tensors.size() + counters.size()).array());
            for (var e : tensors.entrySet()) {
                Tensor t = e.getValue();
                writeHeader(out, e.getKey(), 0, t.shape());
                float[] data = t.toArray();
                ByteBuffer b = le(4 * data.length);
                b.asFloatBuffer().put(data);
                out.write(b.array());
            }
            for (var e : counters.entrySet()) {
                writeHeader(out, e.getKey(), 1, new int[0]);
                out.write(le(8).putLong(e.getValue()).array());
            }
        }
    }

    /** Loads into an existing model of the same architecture; throws naming every mismatch. */
    public static void load(Module model, Path file) throws IOException {
        Map<String, Tensor> tensors = tensors(model);
        Map<String, Long> counters = model.counters();
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, Long> longs = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] magic = readFully(in, 8, file);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + " is not a clengine state file (magic " + new String(magic,
                        StandardCharsets.ISO_8859_1).strip() + ", expected CLESTATE)");
            }
            ByteBuffer head = ByteBuffer.wrap(readFully(in, 8, file)).order(ByteOrder.LITTLE_ENDIAN);
            int version = head.getInt();
            if (version != VERSION) throw new IOException(file + " has state format version " + version
                    + "; this engine reads version " + VERSION);
            int count = head.getInt();
            for (int i = 0; i < count; i++) readEntry(in, file, tensors, data, longs);
        }
        Set<String> missing = new TreeSet<>(tensors.keySet());
        missing.addAll(counters.keySet());
        missing.removeAll(data.keySet());
        missing.removeAll(longs.keySet());
        if (!missing.isEmpty()) throw new IllegalArgumentException(file + " lacks " + missing);
        data.forEach((k, v) -> tensors.get(k).copyFrom(v));
        longs.forEach(model::setCounter);
    }

    private static void readEntry(DataInputStream in, Path file, Map<String, Tensor> tensors,
            Map<String, float[]> data, Map<String, Long> longs) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(readFully(in, 2, file)).order(ByteOrder.LITTLE_ENDIAN);
        String name = new String(readFully(in, Short.toUnsignedInt(b.getShort()), file), StandardCharsets.UTF_8);
        int kind = in.readUnsignedByte();
        int rank = in.readUnsignedByte();
        ByteBuffer dimBytes = ByteBuffer.wrap(readFully(in, 4 * rank, file)).order(ByteOrder.LITTLE_ENDIAN);
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) dims[d] = dimBytes.getInt();
        if (kind == 1) {
            longs.put(name, ByteBuffer.wrap(readFully(in, 8, file)).order(ByteOrder.LITTLE_ENDIAN).getLong());
            return;
        }
        Tensor target = tensors.get(name);
        if (target == null) throw new IllegalArgumentException(file + " has '" + name + "', which the model lacks");
        if (!Arrays.equals(target.shape(), dims)) {
            throw new IllegalArgumentException(file + ": '" + name + "' has shape " + Arrays.toString(dims)
                    + ", the model's is " + target.shapeString());
        }
        float[] values = new float[target.size()];
        ByteBuffer.wrap(readFully(in, 4 * values.length, file)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(values);
        data.put(name, values);
    }

    private static void writeHeader(OutputStream out, String name, int kind, int[] dims) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = le(2 + n.length + 2 + 4 * dims.length);
        b.putShort((short) n.length).put(n).put((byte) kind).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        out.write(b.array());
    }

    private static byte[] readFully(InputStream in, int n, Path file) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new EOFException(file + " is truncated");
        return b;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
