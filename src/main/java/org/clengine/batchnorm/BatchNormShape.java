package org.clengine.batchnorm;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clengine.core.Tensor;

/**
 * The shape of a batch normalization problem, with the canonical descriptor used as test name, verify row and
 * benchmark key: {@code mb32ic64ih56iw56} (NCHW), {@code mb8ic16iw100} (N,C,L), {@code mb128ic2048} (N×C).
 * Statistics are per channel over {@code n·h·w} values.
 */
public record BatchNormShape(int n, int c, int h, int w, int rank) {
    private static final Pattern DESCRIPTOR = Pattern.compile("mb(\\d+)ic(\\d+)(?:ih(\\d+))?(?:iw(\\d+))?");

    public BatchNormShape {
        if (rank < 2 || rank > 4) throw new IllegalArgumentException("batch norm takes 2-D, 3-D or 4-D input");
        Tensor.elementCount(n, c, h, w);
    }

    /** From a tensor's dimensions: [N,C], [N,C,L] or [N,C,H,W]. */
    public static BatchNormShape of(int... dims) {
        return switch (dims.length) {
            case 2 -> new BatchNormShape(dims[0], dims[1], 1, 1, 2);
            case 3 -> new BatchNormShape(dims[0], dims[1], 1, dims[2], 3);
            case 4 -> new BatchNormShape(dims[0], dims[1], dims[2], dims[3], 4);
            default -> throw new IllegalArgumentException("batch norm input must be [N,C], [N,C,L] or [N,C,H,W], got "
                    + java.util.Arrays.toString(dims));
        };
    }

    public static BatchNormShape parse(String descriptor) {
        Matcher m = DESCRIPTOR.matcher(descriptor.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + descriptor + "' is not a batch norm descriptor such as "
                    + "mb32ic64ih56iw56, mb8ic16iw100 or mb128ic2048");
        }
        int n = Integer.parseInt(m.group(1));
        int c = Integer.parseInt(m.group(2));
        if (m.group(3) != null) {
            if (m.group(4) == null) throw new IllegalArgumentException("'" + descriptor + "' has ih without iw");
            return of(n, c, Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
        }
        return m.group(4) != null ? of(n, c, Integer.parseInt(m.group(4))) : of(n, c);
    }

    public int[] dims() {
        return switch (rank) {
            case 2 -> new int[] {n, c};
            case 3 -> new int[] {n, c, w};
            default -> new int[] {n, c, h, w};
        };
    }

    /** Contiguous values per (n, c) row. */
    public int hw() {
        return h * w;
    }

    /** Values per channel: the count the statistics are taken over. */
    public long perChannel() {
        return (long) n * h * w;
    }

    public long elements() {
        return (long) n * c * h * w;
    }

    public String descriptor() {
        return switch (rank) {
            case 2 -> "mb" + n + "ic" + c;
            case 3 -> "mb" + n + "ic" + c + "iw" + w;
            default -> "mb" + n + "ic" + c + "ih" + h + "iw" + w;
        };
    }

    /**
     * Essential bytes moved: forward-train reads x twice and writes y; inference reads x once and writes y; backward
     * reads x and dy twice and writes dx. A residual adds its read (and dz's write); a ReLU backward reads y twice.
     */
    public long bytes(BatchNormOp op, BatchNormFusion fusion) {
        long passes = switch (op) {
            case FORWARD_TRAINING -> 3 + (fusion.hasResidual() ? 1 : 0);
            case FORWARD_INFERENCE -> 2 + (fusion.hasResidual() ? 1 : 0);
            case BACKWARD -> 5 + (fusion.hasRelu() ? 2 : 0) + (fusion.hasResidual() ? 1 : 0);
        };
        return passes * elements() * Float.BYTES;
    }

    @Override
    public String toString() {
        return descriptor();
    }
}
