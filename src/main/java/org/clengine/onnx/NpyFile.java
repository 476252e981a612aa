package org.clengine.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clengine.core.InputFiles;

/**
 * numpy's .npy format for float32 arrays ({@code np.save(f, x.astype('<f4'))}): the magic "\x93NUMPY", a version,
 * a header length (2 bytes in version 1, 4 in 2 and 3), a Python dict literal with 'descr' '&lt;f4', 'fortran_order'
 * False and 'shape', then the values in C order. The input and output format of {@code ./clengine onnx-run}. Read
 * as someone else may have written it: the shape's product must equal the values that follow, exactly.
 */
public final class NpyFile {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyFile() {
    }

    /** A float32 array as a FLOAT tensor named after the file. */
    public static OnnxTensor read(Path file) throws IOException {
        byte[] b = InputFiles.readAll(file, "a .npy array");
        try {
            return parse(b, file.getFileName().toString());
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(file + ": " + e.getMessage(), e);
        }
    }

    static OnnxTensor parse(byte[] b, String name) {
        if (b.length < 10 || !java.util.Arrays.equals(b, 0, 6, MAGIC, 0, 6)) {
            throw new OnnxFormatException("not a .npy file (no \\x93NUMPY magic)");
        }
        int major = b[6];
        if (major < 1 || major > 3) throw new OnnxFormatException(".npy version " + major + " (1 to 3 are read)");
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = major == 1 ? bb.getShort(8) & 0xffff : b.length < 12 ? -1 : bb.getInt(8) & 0xffffffffL;
        int start = major == 1 ? 10 : 12;
        if (headerLen < 0 || headerLen > b.length - start) {
            throw new OnnxFormatException("header length " + headerLen + " runs past the end of the file");
        }
        String header = new String(b, start, (int) headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr");
        if (!descr.equals("<f4")) {
            throw new OnnxFormatException("dtype '" + descr + "'; onnx-run reads little-endian float32 ('<f4': "
                    + "x.astype(np.float32))");
        }
        if (group(ORDER, header, "fortran_order").equals("True")) {
            throw new OnnxFormatException("fortran_order is True; save a C-ordered array (np.ascontiguousarray)");
        }
        long[] dims = dims(group(SHAPE, header, "shape"));
        long count = 1;
        for (long d : dims) {
            count = Math.multiplyExact(count, d);
            if (count > OnnxTensor.MAX_VALUES) throw new OnnxFormatException("shape " + java.util.Arrays.toString(dims)
                    + " holds more values than an array");
        }
        long data = b.length - start - headerLen;
        if (data != count * 4) {
            throw new OnnxFormatException("shape " + java.util.Arrays.toString(dims) + " needs " + count * 4
                    + " bytes of data, the file has " + data);
        }
        float[] v = new float[(int) count];
        bb.position(start + (int) headerLen);
        for (int i = 0; i < v.length; i++) v[i] = bb.getFloat();
        return new OnnxTensor(name, dims, OnnxTensor.FLOAT, v, new long[0]);
    }

    private static String group(Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new OnnxFormatException("the header has no valid '" + key + "': " + header.strip());
        return m.group(1);
    }

    private static long[] dims(String tuple) {
        List<Long> out = new ArrayList<>();
        for (String part : tuple.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            if (!p.matches("\\d{1,10}")) throw new OnnxFormatException("shape entry '" + p + "' is not a dimension");
            long d = Long.parseLong(p);
            if (d > Integer.MAX_VALUE) throw new OnnxFormatException("shape entry " + d + " exceeds 2^31 - 1");
            out.add(d);
        }
        if (out.size() > OnnxTensor.MAX_RANK) throw new OnnxFormatException("shape has more than "
                + OnnxTensor.MAX_RANK + " dimensions");
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Writes a float tensor as .npy version 1.0. */
    public static void write(Path file, OnnxTensor t) throws IOException {
        Files.write(file, toBytes(t));
    }

    static byte[] toBytes(OnnxTensor t) {
        StringBuilder shape = new StringBuilder();
        for (long d : t.dims()) shape.append(d).append(", ");
        if (t.dims().length > 1) shape.setLength(shape.length() - 2);
        if (t.dims().length == 1) shape.setLength(shape.length() - 1);
        StringBuilder h = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape.toString()
                .strip() + "), }");
        // the magic, version and length take 10 bytes; numpy pads the header with spaces to a multiple of 64
        while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(h.length() & 0xff);
        out.write(h.length() >>> 8);
        out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer v = ByteBuffer.allocate(t.floats().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : t.floats()) v.putFloat(f);
        out.writeBytes(v.array());
        return out.toByteArray();
    }
}
