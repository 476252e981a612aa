package org.clengine.nn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file, read and checked against the file's own bytes before anything of a size it
 * names is allocated: an 8-byte little-endian length, that many bytes of UTF-8 JSON (an object of tensor name →
 * {@code {"dtype", "shape", "data_offsets"}} and an optional {@code "__metadata__"} of string → string), then the
 * data. Every tensor's byte range must lie within the data and be exactly its dtype's size times the product of its
 * shape (computed exactly); taken in order the ranges must cover the data with no gap and no overlap, as the
 * safetensors library itself requires.
 */
final class SafeTensorsHeader {
    /** The safetensors library's own bound on a header (100 MB); a longer one is a hostile length, not a model. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The dtypes of the format and their sizes in bytes. */
    enum Dtype {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1),
        F8_E4M3(1), F8_E5M2(1);

        final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One tensor: its name, dtype, shape and absolute byte range in the file. */
    record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        long elements() {
            return (end - begin) / dtype.bytes;
        }
    }

    final Map<String, Entry> entries;
    final Map<String, String> metadata;

    private SafeTensorsHeader(Map<String, Entry> entries, Map<String, String> metadata) {
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Reads and checks the header of {@code file}'s bytes; {@code file} names it in the messages. */
    static SafeTensorsHeader read(String file, byte[] bytes) throws IOException {
        if (bytes.length < 8) {
            throw new IOException(file + " is " + bytes.length + " bytes, too short for a safetensors header length");
        }
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new IOException(file + " declares a safetensors header of " + Long.toUnsignedString(n)
                    + " bytes; a header is 2 to " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > bytes.length - 8) {
            throw new IOException(file + " declares a safetensors header of " + n + " bytes, past the end of the "
                    + bytes.length + "-byte file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 8, (int) n)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": the safetensors header is not UTF-8 (" + e + ")");
        }
        Object json;
        try {
            json = StrictJson.parse(text);
        } catch (IOException e) {
            throw new IOException(file + ": the safetensors header is not valid: " + e.getMessage(), e);
        }
        if (!(json instanceof Map<?, ?> top)) throw new IOException(file + ": the safetensors header is not an object");
        long dataStart = 8 + n;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (var e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                metadata = metadata(file, e.getValue());
            } else {
                entries.put(name, entry(file, name, e.getValue(), dataStart, bytes.length - dataStart));
            }
        }
        checkCoverage(file, entries, dataStart, bytes.length);
        return new SafeTensorsHeader(Collections.unmodifiableMap(entries), metadata);
    }

    private static Map<String, String> metadata(String file, Object v) throws IOException {
        if (!(v instanceof Map<?, ?> m)) throw new IOException(file + ": __metadata__ is not an object");
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new IOException(file + ": __metadata__ \"" + e.getKey() + "\" is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry entry(String file, String name, Object v, long dataStart, long dataLength)
            throws IOException {
        String where = file + ": tensor '" + name + "'";
        if (!(v instanceof Map<?, ?> m)) throw new IOException(where + " is not an object");
        for (Object k : m.keySet()) {
            if (!List.of("dtype", "shape", "data_offsets").contains(k)) {
                throw new IOException(where + " has key \"" + k + "\"; dtype, shape and data_offsets are known");
            }
        }
        if (!(m.get("dtype") instanceof String d)) throw new IOException(where + " has no dtype string");
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(d);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + " has unknown dtype \"" + d + "\"");
        }
        long[] shape = longs(where, "shape", m.get("shape"), -1);
        long[] offsets = longs(where, "data_offsets", m.get("data_offsets"), 2);
        if (offsets[0] > offsets[1]) {
            throw new IOException(where + " has data_offsets [" + offsets[0] + ", " + offsets[1] + "]: the start "
                    + "is past the end");
        }
        if (offsets[1] > dataLength) {
            throw new IOException(where + " has data_offsets [" + offsets[0] + ", " + offsets[1] + "], out of range "
                    + "of the " + dataLength + " bytes of data");
        }
        long elements = 1;
        for (long dim : shape) {
            try {
                elements = Math.multiplyExact(elements, dim);
            } catch (ArithmeticException e) {
                throw new IOException(where + " has shape " + java.util.Arrays.toString(shape) + ", whose product "
                        + "overflows 64 bits");
            }
        }
        long want = offsets[1] - offsets[0];
        if (elements > want / dtype.bytes || elements * dtype.bytes != want) {
            throw new IOException(where + " has shape " + java.util.Arrays.toString(shape) + " of " + dtype + ", "
                    + elements + " values, but data_offsets [" + offsets[0] + ", " + offsets[1] + "] hold " + want
                    + " bytes");
        }
        return new Entry(name, dtype, shape, dataStart + offsets[0], dataStart + offsets[1]);
    }

    /** A JSON array of non-negative integers, of {@code length} values (any when negative). */
    private static long[] longs(String where, String key, Object v, int length) throws IOException {
        if (!(v instanceof List<?> list)) throw new IOException(where + " has no " + key + " array");
        if (length >= 0 && list.size() != length) {
            throw new IOException(where + ": " + key + " has " + list.size() + " values, not " + length);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long x) || x < 0) {
                throw new IOException(where + ": " + key + " holds " + list.get(i) + ", not a non-negative integer");
            }
            out[i] = x;
        }
        return out;
    }

    /** Taken by start, the ranges must tile [dataStart, fileLength) exactly. */
    private static void checkCoverage(String file, Map<String, Entry> entries, long dataStart, long fileLength)
            throws IOException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = dataStart;
        for (Entry e : sorted) {
            if (e.begin() != at) {
                throw new IOException(file + ": tensor '" + e.name() + "' starts at data offset " + (e.begin()
                        - dataStart) + ", where " + (e.begin() < at ? "an earlier tensor's bytes lie (overlap)"
                        : (at - dataStart) + " was expected (a gap)"));
            }
            at = e.end();
        }
        if (at != fileLength) {
            throw new IOException(file + ": the tensors end at data offset " + (at - dataStart) + ", but the data is "
                    + (fileLength - dataStart) + " bytes (" + (at > fileLength ? "offsets out of range"
                    : "bytes no tensor covers") + ")");
        }
    }
}
