package org.clengine.conv2d;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * Convolution's part of the launch policy: which path runs (AUTO: chosen per shape by the thresholds below), the
 * chunk sizes and crossovers of the GEMM path, the row kernels' limits, the dot kernel's tile (compiled in as
 * {@code -DTM}/{@code -DTN}) and the local size. Fixed when the convolution's device ops are created; a test or a
 * tuner that wants another value makes ops of its own with {@code withX(...)}.
 *
 * @param path               AUTO, or the path every shape is forced onto (DEPTHWISE: the row kernels wherever
 *                           their taps fit, else direct)
 * @param colFloats          im2col's matrix is made for as many images at a time as fit this many floats
 * @param wideMaxPq          below this many output positions per image the forward runs one GEMM per chunk of
 *                           images (N = images·P·Q), from it on batched GEMMs with N = P·Q
 * @param dotMinPq           from this many output positions per image backward-weights reads dy and col in place
 *                           (conv2d_bwd_weights_dot, which needs at least 16), below it one GEMM per chunk
 * @param dotFloats          the dot kernel takes as many images at a time as keep the operand it streams within
 *                           this many floats
 * @param dotTileM           the dot kernel's tile of dw, rows (TM in conv2d.cl)
 * @param dotTileN           and columns (TN)
 * @param partialFloats      the row kernels' backward-weights sums per-image products from scratch of at most this
 *                           many floats (else the direct kernel)
 * @param rowSegment         the row kernels take a shape when 16 outputs' inputs along a row span at most this
 *                           many floats: at most SEG, 64, the private segment of conv2d_depthwise.cl
 * @param rowMaxTaps         and when R·S is at most this
 * @param gemmMinKPerGroup   AUTO takes the GEMM path when K/groups is at least this
 * @param gemmMinCrsPerGroup and (C/groups)·R·S is at least this; thinner shapes take the row or direct kernels
 * @param localSize          the local size in dimension 0 (cut to the launch and to what the kernel allows)
 * @param depthwise          the forward row kernels' walk: a work-item per row (CPUs) or a work-group per tile
 *                           (GPUs)
 * @param blocked            the channel-blocked direct kernel's tile and whether AUTO takes it
 */
public record Conv2dPolicy(Conv2dPath path, long colFloats, int wideMaxPq, int dotMinPq, long dotFloats,
        int dotTileM, int dotTileN, long partialFloats, int rowSegment, int rowMaxTaps, int gemmMinKPerGroup,
        int gemmMinCrsPerGroup, int localSize, Conv2dDepthwise depthwise, Conv2dBlocked blocked) {

    /** conv2d_depthwise.cl's SEG: the row kernels' private segment, the most {@link #rowSegment} may be. */
    public static final int ROW_SEGMENT_MAX = 64;

    /** conv2d_bwd_weights_dot reads 16 positions per step: it needs P·Q of at least this. */
    public static final int DOT_MIN_PQ_LEAST = 16;

    public Conv2dPolicy {
        if (path == null) throw new IllegalArgumentException("path is null");
        positive("colFloats", colFloats);
        positive("dotFloats", dotFloats);
        positive("partialFloats", partialFloats);
        if (wideMaxPq < 0) throw new IllegalArgumentException("wideMaxPq must be non-negative, got " + wideMaxPq);
        if (dotMinPq < DOT_MIN_PQ_LEAST) {
            throw new IllegalArgumentException("dotMinPq must be at least " + DOT_MIN_PQ_LEAST + " (the dot kernel's "
                    + "step), got " + dotMinPq);
        }
        if (dotTileM < 1 || dotTileM > 8 || dotTileN < 1 || dotTileN > 8) {
            throw new IllegalArgumentException("the dot kernel's tile must be 1 to 8 each way, got " + dotTileM + "×"
                    + dotTileN);
        }
        if (rowSegment < 16 || rowSegment > ROW_SEGMENT_MAX) {
            throw new IllegalArgumentException("rowSegment must be in [16, " + ROW_SEGMENT_MAX + "] (16 outputs, "
                    + "the kernels' SEG), got " + rowSegment);
        }
        positive("rowMaxTaps", rowMaxTaps);
        positive("gemmMinKPerGroup", gemmMinKPerGroup);
        positive("gemmMinCrsPerGroup", gemmMinCrsPerGroup);
        positive("localSize", localSize);
        if (depthwise == null) throw new IllegalArgumentException("depthwise is null");
        if (blocked == null) throw new IllegalArgumentException("blocked is null");
    }

    private static void positive(String name, long value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    /**
     * Today's values, measured on PoCL (a 2-core CPU), the same for both families except two: the GPU family's
     * backward-weights never takes the dot kernel (its GEMMs run on matmul_tiled, the GPU family's GEMM, chosen by
     * the matmul policy), and its depthwise walk is by tiles, the CPU family's by rows. The local size is cut to the
     * device's work-group limit. The GPU family convolves by im2col
     * (chunked to colFloats) through matmul_tiled rather than by an implicit GEMM: one tuned kernel serves GEMM and
     * all three directions, and im2col, col2im and the chunking are the ones the CPU family has proven; an implicit
     * GEMM would save writing and reading col (9× x for 3×3) and is the next step once a GPU measures the gap.
     */
    public static Conv2dPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        // im2col's 8 MiB: small enough that the GEMM reads col from the cache im2col wrote it to. Side by side on
        // 2026-11-22 the forward ran 1.18–1.36× faster on the 56², 28² and strided 3×3 layers than with 64 MiB;
        // 4 MiB ran 0.91–0.97× as fast as 8 MiB there, 1.22× on the 14² layer. Pointwise convolutions read x itself.
        long colFloats = 2L << 20;
        // The wide forward (and backward-data through it), in one JVM, alternating (min / median of 15,
        // 2026-11-22): forward 41.1 → 33.4 ms (medians) at 7² × 512 3×3, 15.6 → 11.6 at 7² 1×1 2048 → 512,
        // 31.2 → 29.3 at 14² × 256; backward-data 52.0 → 43.1, 25.2 → 16.3, 35.4 → 32.6. At 16² and 28² the wide
        // form gained nothing. Results are bitwise the same either way.
        int wideMaxPq = 256;
        // Backward-weights, side by side in one JVM (min of 21, 2026-11-22): at 7² × 512 channels the wide GEMM
        // 23.9 ms, the dot kernel 47.6, the per-image GEMMs it replaced 44.3; at 14² × 256: 24.3, 35.3, 29.0; at 16²
        // the wide GEMM and the dot kernel even (medians 13.5 and 13.2 ms), at 28² within 8%; at 56² the dot kernel
        // 1.2× faster (3×3) and 2× (1×1, x read in place). Below it the lanes' final sums weigh more.
        // The GPU family never takes the dot kernel: its 4×4 tile over 16 positions keeps 256 live floats, past
        // NVIDIA's 255 registers; backward-weights runs as the wide GEMM (matmul_tiled) at every P·Q instead.
        int dotMinPq = family == KernelFamily.GPU ? Integer.MAX_VALUE : 256;
        // the dot kernel's streamed operand (the one with fewer rows) within 1 MiB, a core's L2 here
        long dotFloats = 256L << 10;
        // the dot kernel's 4 × 4 tile of dw: 8 × 2 and 2 × 8 measured 3-25% slower (conv2d.cl)
        int dotTileM = 4, dotTileN = 4;
        long partialFloats = 16L << 20;
        // the row kernels: at most 25 taps (their accumulators stay in registers), 16 outputs' span within SEG
        int rowSegment = ROW_SEGMENT_MAX, rowMaxTaps = 25;
        // GEMM when each group's GEMM has some size on both sides; depthwise-like shapes stay off it
        int gemmMinKPerGroup = 8, gemmMinCrsPerGroup = 8;
        // The blocked direct kernel (conv2d_blocked.cl): 4 outputs × 64 channels per work-item. Alternated in one
        // JVM against today's GEMM path (medians of 7, 2026-12-07, load 14-16: docs/convolution-paths.md) it ran
        // the 3×3 layers' forward 1.14-1.61× and backward-data 1.07-1.82× as fast; 7×2 and 5×4 tiles lost to it on
        // every layer, 8×3 spills. 1×1 layers stay on GEMM (x read in place there): 0.86-1.04×. The GPU family
        // keeps its GEMMs until a GPU measures the kernel.
        int localSize = device == null ? 64 : (int) Math.max(1, Math.min(64, device.maxWorkGroupSize()));
        return new Conv2dPolicy(Conv2dPath.AUTO, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN,
                partialFloats, rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize,
                family == KernelFamily.CPU ? Conv2dDepthwise.ROWS : Conv2dDepthwise.TILES,
                new Conv2dBlocked(4, 4, family == KernelFamily.CPU));
    }

    /** The same values with every shape forced onto {@code value} (AUTO: chosen per shape). */
    public Conv2dPolicy withPath(Conv2dPath value) {
        return new Conv2dPolicy(value, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withColFloats(long value) {
        return new Conv2dPolicy(path, value, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withWideMaxPq(int value) {
        return new Conv2dPolicy(path, colFloats, value, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withDotMinPq(int value) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, value, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withDotFloats(long value) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, value, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withDotTile(int m, int n) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, m, n, partialFloats, rowSegment,
                rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withPartialFloats(long value) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, value,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withRowLimits(int segment, int maxTaps) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                segment, maxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withGemmMinimums(int kPerGroup, int crsPerGroup) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, kPerGroup, crsPerGroup, localSize, depthwise, blocked);
    }

    public Conv2dPolicy withLocalSize(int value) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, value, depthwise, blocked);
    }

    public Conv2dPolicy withDepthwise(Conv2dDepthwise value) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, value, blocked);
    }

    public Conv2dPolicy withBlocked(Conv2dBlocked value) {
        return new Conv2dPolicy(path, colFloats, wideMaxPq, dotMinPq, dotFloats, dotTileM, dotTileN, partialFloats,
                rowSegment, rowMaxTaps, gemmMinKPerGroup, gemmMinCrsPerGroup, localSize, depthwise, value);
    }
}
