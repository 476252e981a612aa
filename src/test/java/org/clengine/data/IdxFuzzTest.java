package org.clengine.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.clengine.testing.Fuzz;
import org.clengine.testing.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IDX files, raw and gzipped, mutated as stored, mutated before compression, with crafted headers: every case is a
 * clean read or an IdxFormatException/IOException with a message, and a clean read agrees with an independent
 * decoder (java.util.zip's, which checks every member's CRC) byte for byte: no silent wrong pixels.
 */
class IdxFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedAndCraftedFiles() throws Exception {
        Fuzz.Report r = Fuzz.run("idx", random -> () -> oneCase(random), t -> t instanceof IllegalArgumentException
                || t instanceof IOException, 64L << 20, 20);
        assertTrue(r.findings().isEmpty(), r.toString());
    }

    String oneCase(Random r) throws IOException {
        byte[] valid = valid(r);
        boolean gz = r.nextBoolean();
        byte[] file = switch (r.nextInt(4)) {
            case 0 -> Mutations.mutate(gz ? gzip(valid) : valid, r);
            case 1 -> gzipIf(gz, Mutations.mutate(valid, r));
            case 2 -> gzipIf(gz, crafted(valid, r));
            default -> gz ? mutateGzipHeader(gzip(valid), r) : Arrays.copyOf(valid, r.nextInt(valid.length + 1));
        };
        Path p = dir.resolve("case-" + Long.toHexString(r.nextLong()));
        Files.write(p, file);
        try {
            IdxFile got = IdxFile.read(p);
            agreesWithIndependentDecoder(file, got);
            if (got.dims().length == 3 && got.count() <= 1000 && r.nextBoolean()) {
                Path labels = dir.resolve(p.getFileName() + "-labels");
                Files.write(labels, IdxFileTest.idx(8, new int[] {got.count()}, new byte[got.count()]));
                Dataset.fromIdx("fuzz", p, labels, 10);
                return "read, dataset";
            }
            return "read";
        } finally {
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) Files.delete(f);
            }
        }
    }

    /** A well-formed file of rank 1 to 3, dimensions 0 to 6, random bytes. */
    static byte[] valid(Random r) {
        int[] dims = new int[1 + r.nextInt(3)];
        int n = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = r.nextInt(20) == 0 ? 0 : 1 + r.nextInt(6);
            n *= dims[i];
        }
        return IdxFileTest.idx(8, dims, Mutations.randomBytes(r, n));
    }

    /** The same data under a header of extreme dimensions, rank or type. */
    static byte[] crafted(byte[] valid, Random r) {
        int rank = r.nextInt(4) == 0 ? r.nextInt(256) : 1 + r.nextInt(4);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * rank);
        b.put((byte) 0).put((byte) 0).put((byte) (r.nextInt(8) == 0 ? r.nextInt(256) : 8)).put((byte) rank);
        for (int i = 0; i < rank; i++) b.putInt(r.nextBoolean() ? (int) Mutations.extreme(r) : r.nextInt(7));
        byte[] data = Arrays.copyOfRange(valid, 4 + 4 * (valid[3] & 0xff), valid.length);
        return IdxFileTest.concat(b.array(), r.nextBoolean() ? data : Mutations.mutate(data, r));
    }

    /** A gzip header with flags, extra field, name or header CRC made up. */
    static byte[] mutateGzipHeader(byte[] gz, Random r) {
        byte[] head = {0x1f, (byte) 0x8b, 8, (byte) r.nextInt(32), 0, 0, 0, 0, 0, 3};
        byte[] extra = Mutations.randomBytes(r, r.nextInt(6));
        if (extra.length > 0 && r.nextBoolean()) extra[0] = (byte) 0xff; // a long FEXTRA length
        byte[] out = IdxFileTest.concat(head, extra);
        return IdxFileTest.concat(out, Arrays.copyOfRange(gz, Math.min(gz.length, 10 + r.nextInt(3)), gz.length));
    }

    /** What a clean read returned must be what java.util.zip decodes, parsed the plain way. */
    static void agreesWithIndependentDecoder(byte[] file, IdxFile got) throws IOException {
        byte[] plain = file;
        if (file.length >= 2 && (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b) {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(file))) {
                plain = in.readAllBytes();
            } catch (IOException e) {
                throw new AssertionError("read a gzip file java.util.zip refuses (" + e + ")");
            }
        }
        int rank = plain[3] & 0xff;
        ByteBuffer b = ByteBuffer.wrap(plain);
        b.position(4);
        for (int i = 0; i < rank; i++) {
            if (b.getInt() != got.dims()[i]) throw new AssertionError("dims " + Arrays.toString(got.dims()));
        }
        if (!Arrays.equals(Arrays.copyOfRange(plain, 4 + 4 * rank, plain.length), got.data())) {
            throw new AssertionError("silent wrong data: the read differs from the independent decoder");
        }
    }

    static byte[] gzipIf(boolean gz, byte[] b) throws IOException {
        return gz ? gzip(b) : b;
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(b);
        }
        return bytes.toByteArray();
    }
}
