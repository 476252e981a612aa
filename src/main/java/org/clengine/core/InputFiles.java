package org.clengine.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reading a file the engine does not trust (a model, a data set, a saved state). Only a regular file is opened, and
 * only once its real length is known to be within a limit: a FIFO would block the reader forever and a link to
 * {@code /dev/zero} would fill the heap, and a size written inside a file can then always be compared with bytes
 * that exist before anything of that size is allocated.
 */
public final class InputFiles {
    /**
     * The longest file read, unless {@code -Dclengine.file.maxBytes} says otherwise: 1 GiB, well above MNIST's
     * training images (47 MB) or a ResNet-50 model (100 MB), and far below what would exhaust a usual heap.
     */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** The longest Java array: no limit can go beyond what one byte[] holds. */
    private static final long ARRAY_MAX = Integer.MAX_VALUE - 8;

    private InputFiles() {
    }

    /** The limit on the length of a file read whole: {@code -Dclengine.file.maxBytes}, else 1 GiB. */
    public static long maxBytes() {
        String s = System.getProperty("clengine.file.maxBytes");
        if (s == null) return DEFAULT_MAX_BYTES;
        try {
            long v = Long.parseLong(s.strip());
            if (v < 1) throw new NumberFormatException();
            return Math.min(v, ARRAY_MAX);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dclengine.file.maxBytes=" + s + " is not a positive number of bytes");
        }
    }

    /**
     * The length of {@code file}, which must be a regular file (links are followed) of at most {@link #maxBytes()}.
     *
     * @param what what the file should be, for the messages ("an ONNX model", "an IDX file")
     */
    public static long checkedLength(Path file, String what) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file (" + what + " was expected)");
        }
        if (!a.isRegularFile()) {
            throw new IOException(file + " is " + kind(file, a) + ", not a regular file: only a regular file is "
                    + "read as " + what);
        }
        long max = maxBytes();
        if (a.size() > max) {
            throw new IOException(file + " is " + a.size() + " bytes, more than the " + max + " read as " + what
                    + " (-Dclengine.file.maxBytes raises the limit)");
        }
        return a.size();
    }

    /** The whole of {@code file}, checked as {@link #checkedLength} says before anything is allocated. */
    public static byte[] readAll(Path file, String what) throws IOException {
        long length = checkedLength(file, what);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes((int) length);
            // a file that grew or shrank since its length was read is not the file that was checked
            if (b.length != length || in.read() != -1) {
                throw new IOException(file + " changed while being read (it had " + length + " bytes)");
            }
            return b;
        }
    }

    private static String kind(Path file, BasicFileAttributes a) {
        if (a.isDirectory()) return "a directory";
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
            return switch (type) {
                case 0010000 -> "a FIFO";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";
        }
    }
}
