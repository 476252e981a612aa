package org.clengine.nn;

import java.io.BufferedOutputStream;
import java.io.EOFException;
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
 * exactly the model's names and shapes, each once, and nothing after the last entry, and says what differs.
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

    /**
     * Loads into an existing model of the same architecture, all or nothing: the whole file is read and checked
     * (names, kinds, shapes, lengths, no duplicates, nothing after the last entry, nothing missing) into host arrays
     * before the first value of the model is overwritten. Throws naming every mismatch: IOException for a file that
     * is not a well-formed state file, IllegalArgumentException for one that does not fit the model.
     */
    public static void load(Module model, Path file) throws IOException {
        Map<String, Tensor> tensors = tensors(model);
        Map<String, Long> counters = model.counters();
        Entries read = new Entries(file, ByteBuffer.wrap(InputFiles.readAll(file, "a state file"))
                .order(ByteOrder.LITTLE_ENDIAN));
        read.header();
        for (int i = 0; i < read.count; i++) read.entry(i, tensors, counters.keySet());
        if (read.in.hasRemaining()) {
            throw new IOException(file + " has " + read.in.remaining() + " bytes after its last entry");
        }
        Set<String> missing = new TreeSet<>(tensors.keySet());
        missing.addAll(counters.keySet());
        missing.removeAll(read.data.keySet());
        missing.removeAll(read.longs.keySet());
        if (!missing.isEmpty()) throw new IllegalArgumentException(file + " lacks " + missing);
        // counters first, undone if the model refuses one, so that no tensor has been written when a load fails
        Map<String, Long> old = model.counters();
        try {
            read.longs.forEach(model::setCounter);
        } catch (RuntimeException e) {
            old.forEach(model::setCounter);
            throw e;
        }
        read.data.forEach((k, v) -> tensors.get(k).copyFrom(v));
    }

    /** The entries of one file, read from its bytes; every length is checked against what is left. */
    private static final class Entries {
        final Path file;
        final ByteBuffer in;
        final Map<String, float[]> data = new LinkedHashMap<>();
        final Map<String, Long> longs = new LinkedHashMap<>();
        long count;

        Entries(Path file, ByteBuffer in) {
            this.file = file;
            this.in = in;
        }

        void header() throws IOException {
            byte[] magic = bytes(8, "its magic");
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + " is not a clengine state file (magic " + new String(magic,
                        StandardCharsets.ISO_8859_1).strip() + ", expected CLESTATE)");
            }
            long version = u32("its version");
            if (version != VERSION) throw new IOException(file + " has state format version " + version
                    + "; this engine reads version " + VERSION);
            count = u32("its entry count");
            // an entry takes at least 4 bytes (name length, kind, rank): a count beyond that is a lie
            if (count > in.remaining() / 4) {
                throw new IOException(file + " declares " + count + " entries; its remaining " + in.remaining()
                        + " bytes hold at most " + in.remaining() / 4);
            }
        }

        void entry(int i, Map<String, Tensor> tensors, Set<String> counters) throws IOException {
            checkedRemaining(2, "entry " + i);
            String name = new String(bytes(Short.toUnsignedInt(in.getShort()), "entry " + i + "'s name"),
                    StandardCharsets.UTF_8);
            byte[] kr = bytes(2, "entry '" + name + "'");
            int kind = kr[0] & 0xff, rank = kr[1] & 0xff;
            if (data.containsKey(name) || longs.containsKey(name)) {
                throw new IOException(file + " holds '" + name + "' twice");
            }
            if (kind == 1) {
                counter(name, rank, counters);
            } else if (kind == 0) {
                tensor(name, rank, tensors);
            } else {
                throw new IOException(file + ": entry '" + name + "' has kind " + kind + "; 0 (float32 tensor) and 1 "
                        + "(int64 counter) are known");
            }
        }

        private void counter(String name, int rank, Set<String> counters) throws IOException {
            if (rank != 0) throw new IOException(file + ": counter '" + name + "' has rank " + rank + ", not 0");
            if (!counters.contains(name)) {
                throw new IllegalArgumentException(file + " has counter '" + name + "', which the model lacks");
            }
            checkedRemaining(8, "counter '" + name + "'");
            long value = in.getLong();
            if (value < 0) throw new IOException(file + ": counter '" + name + "' is " + value + "; counters "
                    + "count batches and are never negative");
            longs.put(name, value);
        }

        private void tensor(String name, int rank, Map<String, Tensor> tensors) throws IOException {
            checkedRemaining(4 * rank, "the dimensions of '" + name + "'");
            int[] dims = new int[rank];
            for (int d = 0; d < rank; d++) dims[d] = in.getInt();
            Tensor target = tensors.get(name);
            if (target == null) throw new IllegalArgumentException(file + " has '" + name + "', which the model lacks");
            if (!Arrays.equals(target.shape(), dims)) {
                throw new IllegalArgumentException(file + ": '" + name + "' has shape " + Arrays.toString(dims)
                        + ", the model's is " + target.shapeString());
            }
            // the size comes from the model, and the file must hold all of it before the array is made
            float[] values = new float[checkedRemaining(4L * target.size(), "the values of '" + name + "'") / 4];
            in.asFloatBuffer().get(values);
            in.position(in.position() + 4 * values.length);
            data.put(name, values);
        }

        private long u32(String what) throws IOException {
            checkedRemaining(4, what);
            return Integer.toUnsignedLong(in.getInt());
        }

        private byte[] bytes(int n, String what) throws IOException {
            byte[] b = new byte[checkedRemaining(n, what)];
            in.get(b);
            return b;
        }

        private int checkedRemaining(long n, String what) throws IOException {
            if (n > in.remaining()) {
                throw new EOFException(file + " is truncated: " + what + " needs " + n + " bytes at offset "
                        + in.position() + ", " + in.remaining() + " are left");
            }
            return (int) n;
        }
    }

    private static void writeHeader(OutputStream out, String name, int kind, int[] dims) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = le(2 + n.length + 2 + 4 * dims.length);
        b.putShort((short) n.length).put(n).put((byte) kind).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        out.write(b.array());
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
