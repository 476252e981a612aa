package org.clengine.conv2d;

/**
 * The channel-blocked direct kernel's part of the policy (kernels/conv2d_blocked.cl): its register tile and where
 * AUTO takes it. A work-item owns {@code tileQ} outputs along a row × {@code vectors}·16 output channels.
 *
 * @param tileQ     outputs along a row per work-item (TQ)
 * @param vectors   float16 vectors of output channels per work-item (KV); tileQ·vectors + vectors accumulators and
 *                  weights must fit the 32 vector registers of AVX-512 or they spill
 * @param forward   whether AUTO takes it for the forward and for backward-data's stride-1 forwards, where it
 *                  applies and the shape would go to GEMM, with more than one tap and at least {@link #channels()}
 *                  output channels (Conv2dDevice.blocked)
 * @param rowTiles  tiles of a row per work-item (RT) when {@code channelBlock} > 0, else 1
 * @param channelBlock input channels per step (CB) over the rowTiles tiles, their partial sums kept between steps
 *                  so the step's filter block is read from L1 by every tile; 0: all channels per tile at once
 */
public record Conv2dBlocked(int tileQ, int vectors, boolean forward, int rowTiles, int channelBlock) {

    /** The kernel unrolls its loop over a filter row's taps: wider filters stay on the other paths. */
    public static final int MAX_WIDTH = 7;

    public Conv2dBlocked {
        if (tileQ < 1 || tileQ > 16) throw new IllegalArgumentException("tileQ must be in [1, 16], got " + tileQ);
        if (vectors < 1 || vectors > 4) throw new IllegalArgumentException("vectors must be in [1, 4], got " + vectors);
        if (rowTiles < 1 || rowTiles > 16) {
            throw new IllegalArgumentException("rowTiles must be in [1, 16], got " + rowTiles);
        }
        if (channelBlock < 0) throw new IllegalArgumentException("channelBlock must be >= 0, got " + channelBlock);
        if (channelBlock == 0 && rowTiles != 1) {
            throw new IllegalArgumentException("rowTiles must be 1 without a channelBlock, got " + rowTiles);
        }
    }

    /** All channels per tile at once, one tile per work-item. */
    public Conv2dBlocked(int tileQ, int vectors, boolean forward) {
        this(tileQ, vectors, forward, 1, 0);
    }

    /** The kernel's build options for this tile (TQ, KV, RT, CB). */
    public String options() {
        return "-DTQ=" + tileQ + " -DKV=" + vectors + " -DRT=" + rowTiles + " -DCB=" + channelBlock;
    }

    /** Work-items along dimension 0 for {@code s}: rows × groups of rowTiles tiles. */
    public long items(Conv2dShape s) {
        long tiles = (s.q() + tileQ - 1) / tileQ;
        return s.p() * ((tiles + rowTiles - 1) / rowTiles);
    }

    /** Output channels per work-item. */
    public int channels() {
        return 16 * vectors;
    }

    /** Whether the kernel can run {@code s} at all: groups 1 and a filter at most MAX_WIDTH wide. */
    public static boolean applies(Conv2dShape s) {
        return s.groups() == 1 && s.s() <= MAX_WIDTH;
    }
}
