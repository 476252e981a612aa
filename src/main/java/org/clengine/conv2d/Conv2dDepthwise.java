package org.clengine.conv2d;

/**
 * How the forward row kernels (conv2d_depthwise.cl: depthwise layers and other shapes too thin for GEMM) share out
 * the outputs: {@link Walk#ROWS}, one work-item per output row, 16 outputs per step in a float16 (the CPU family's,
 * conv2d_fwd_depthwise), or {@link Walk#TILES}, one work-group per {@code tileP}×{@code tileQ} tile of output rows ×
 * columns of one channel, staging its input patch in __local memory (the GPU family's, conv2d_fwd_depthwise_tile).
 * A shape whose patch exceeds {@code patchFloats}, or whose tile exceeds the kernel's work-group limit on the
 * device, takes the row kernel.
 *
 * @param walk        rows or tiles
 * @param tileP       output rows per tile (TP), ignored under ROWS
 * @param tileQ       output columns per tile (TQ): consecutive work-items, consecutive addresses
 * @param patchFloats the most __local floats a tile's input patch may take
 */
public record Conv2dDepthwise(Walk walk, int tileP, int tileQ, int patchFloats) {

    /** The two ways (kernels/conv2d_depthwise.cl). */
    public enum Walk {
        ROWS, TILES
    }

    /** The CPU family's row kernel. */
    public static final Conv2dDepthwise ROWS = new Conv2dDepthwise(Walk.ROWS, 1, 1, 1);

    /**
     * The GPU family's: tiles of 8 × 32 (256 work-items, a row of 32 floats per warp), patches up to 4096 floats
     * (16 KiB, a third of the 48 KiB of local memory NVIDIA gives a group). Not measured on a GPU.
     */
    public static final Conv2dDepthwise TILES = new Conv2dDepthwise(Walk.TILES, 8, 32, 4096);

    public Conv2dDepthwise {
        if (walk == null) throw new IllegalArgumentException("depthwise walk is null");
        if (tileP < 1 || tileQ < 1 || patchFloats < 1) {
            throw new IllegalArgumentException("depthwise tile " + tileP + "×" + tileQ + " and patch " + patchFloats
                    + " must be positive");
        }
    }

    /** The patch of a tile of {@code s}: PH·PW floats (conv2d_depthwise.cl). */
    public long patch(Conv2dShape s) {
        var p = s.params();
        long ph = (long) (tileP - 1) * p.strideH() + (long) (s.r() - 1) * p.dilationH() + 1;
        long pw = (long) (tileQ - 1) * p.strideW() + (long) (s.s() - 1) * p.dilationW() + 1;
        return ph * pw;
    }
}
