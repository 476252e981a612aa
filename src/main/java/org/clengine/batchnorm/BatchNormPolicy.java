package org.clengine.batchnorm;

import static org.clengine.core.TensorChecks.ceilDiv;

import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * Batch normalization's part of the launch policy: the rule from which every shape's geometry follows
 * ({@link #forShape}), what {@code ./clengine tune batchnorm} searches and stores. The first seven values are the
 * tuned knobs; the next four are the fixed limits of the chunking; {@code fixed}, when given, replaces the rule's
 * geometry for every shape (tests that force a path or an odd geometry).
 *
 * @param target         values per reduction chunk to aim for (chunks are whole H·W rows)
 * @param span           values per apply work-item
 * @param localReduce    local size of the reduction and merge kernels
 * @param localApply     local size of the apply kernels
 * @param rowsMin        positions path: rows per work-item, at least (more when N needs > maxChunks chunks)
 * @param localPositions local size of the positions path's kernels
 * @param posBlocks      blocks of 16 positions per apply work-item on the positions path (1 to 8: -DPOS_BLOCKS)
 * @param positionsBelow take the positions path when H·W is below this (rows too short for the 16-float lanes)
 * @param maxChunks      at most about this many partials a channel (the partial scratch is C·maxChunks pairs)
 * @param longRow        rows of more values than this are cut into several chunks
 * @param longRowChunk   values per chunk of a cut row, at least
 * @param fixed          the geometry of every shape, or null: the rule's
 * @param reduction      how partial sums are taken: the CPU family's serial chunks or the GPU family's
 *                       work-group trees (which also rule out the single-launch path)
 */
public record BatchNormPolicy(int target, long span, int localReduce, int localApply, int rowsMin,
        int localPositions, int posBlocks, int positionsBelow, int maxChunks, int longRow, int longRowChunk,
        BatchNormTuning fixed, BatchNormReduction reduction) {

    /** The positions path's lane width: rows shorter than one float16 do not vectorize. */
    static final int POSITIONS_BELOW = 16;
    /** Bounds the partial scratch and the merge's serial sum per channel. */
    static final int MAX_CHUNKS = 4096;
    /** One row of more than 64 Ki values is several chunks of at least 16 Ki. */
    static final int LONG_ROW = 65536;
    static final int LONG_ROW_CHUNK = 16384;

    public BatchNormPolicy {
        if (reduction == null) throw new IllegalArgumentException("the batch norm reduction is null");
        if (target < 1 || span < 1 || localReduce < 1 || localApply < 1 || rowsMin < 1 || localPositions < 1
                || posBlocks < 1 || posBlocks > 8 || positionsBelow < 0 || maxChunks < 1 || longRow < 1
                || longRowChunk < 1) {
            throw new IllegalArgumentException("every batch norm tuning value must be positive (posBlocks 1 to 8, "
                    + "positionsBelow 0 or more): target " + target + ", span " + span + ", local " + localReduce
                    + "/" + localApply + "/" + localPositions + ", rowsMin " + rowsMin + ", posBlocks " + posBlocks
                    + ", positionsBelow " + positionsBelow + ", maxChunks " + maxChunks + ", long rows " + longRow
                    + "/" + longRowChunk);
        }
    }

    /** The tuned knobs with the built-in limits and no fixed geometry (what the tuning store holds). */
    public static BatchNormPolicy of(int target, long span, int localReduce, int localApply, int rowsMin,
            int localPositions, int posBlocks) {
        return new BatchNormPolicy(target, span, localReduce, localApply, rowsMin, localPositions, posBlocks,
                POSITIONS_BELOW, MAX_CHUNKS, LONG_ROW, LONG_ROW_CHUNK, null, BatchNormReduction.SERIAL);
    }

    /** The CPU family's reduction, for callers that name every other value (tests of odd geometry). */
    public BatchNormPolicy(int target, long span, int localReduce, int localApply, int rowsMin, int localPositions,
            int posBlocks, int positionsBelow, int maxChunks, int longRow, int longRowChunk, BatchNormTuning fixed) {
        this(target, span, localReduce, localApply, rowsMin, localPositions, posBlocks, positionsBelow, maxChunks,
                longRow, longRowChunk, fixed, BatchNormReduction.SERIAL);
    }

    /**
     * Chunks are whole H·W rows, one row when H·W ≥ 128 on CPUs (≥ 2048 on GPUs, where items are many and
     * short), and the reduction's work-groups take 4 neighbouring channels on CPUs: a group then reads 4
     * consecutive rows of one image, one contiguous stretch. Measured on PoCL (forward-train, backward vs the
     * copy kernel): mb256ic256ih14iw14 0.69-0.82x / 0.76-0.86x with 21-row chunks and local 1, 0.98x / 1.05x
     * with one-row chunks and local 4; mb32ic64ih56iw56 0.92-0.95x / 0.95-1.02x. The GPU values are untested
     * guesses until a GPU session tunes them: chunks of ~16 Ki values, one work-group of 256 (the tree's slots)
     * each, under the GPU family's work-group tree reductions. Local sizes are cut to the device's work-group limit.
     */
    public static BatchNormPolicy defaults(KernelFamily family, DeviceInfo device) {
        boolean cpu = family == KernelFamily.CPU;
        int max = (int) Math.min(Integer.MAX_VALUE, device.maxWorkGroupSize());
        if (cpu) return of(128, 4096, Math.min(4, max), Math.min(1, max), 256, Math.min(4, max), 4);
        return of(16384, 8, Math.min(256, max), Math.min(256, max), 32, Math.min(256, max), 1)
                .withReduction(BatchNormReduction.GROUP_TREE);
    }

    /**
     * This policy's geometry for one shape: {@code fixed} if given; else chunks of whole rows reaching
     * {@code target}, rows over {@code longRow} values cut, at most ~{@code maxChunks} chunks a channel.
     */
    public BatchNormTuning forShape(BatchNormShape shape) {
        if (fixed != null) return fixed;
        long hw = shape.hw();
        long chunk = hw > longRow ? Math.max(longRowChunk, ceilDiv(shape.perChannel(), maxChunks))
                : hw * Math.max(ceilDiv(target, hw), ceilDiv(shape.n(), maxChunks));
        int rows = (int) Math.max(rowsMin, ceilDiv(shape.n(), maxChunks));
        return new BatchNormTuning(chunk, span, localReduce, localApply, positionsBelow, rows, localPositions,
                posBlocks, true);
    }

    /** The knobs in a word (the tuner's table, the stored file's comment); the limits only where not built in. */
    public String label() {
        String s = "target" + target + "span" + span + "reduce" + localReduce + "apply" + localApply + "rows"
                + rowsMin + "pos" + localPositions + "blocks" + posBlocks;
        if (positionsBelow != POSITIONS_BELOW || maxChunks != MAX_CHUNKS || longRow != LONG_ROW
                || longRowChunk != LONG_ROW_CHUNK) {
            s += "below" + positionsBelow + "chunks" + maxChunks + "long" + longRow + "/" + longRowChunk;
        }
        if (reduction != BatchNormReduction.SERIAL) s += " " + reduction.name().toLowerCase(java.util.Locale.ROOT);
        return fixed == null ? s : s + " fixed " + fixed;
    }

    public BatchNormPolicy withTarget(int value) {
        return new BatchNormPolicy(value, span, localReduce, localApply, rowsMin, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    public BatchNormPolicy withSpan(long value) {
        return new BatchNormPolicy(target, value, localReduce, localApply, rowsMin, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    public BatchNormPolicy withLocalReduce(int value) {
        return new BatchNormPolicy(target, span, value, localApply, rowsMin, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    public BatchNormPolicy withLocalApply(int value) {
        return new BatchNormPolicy(target, span, localReduce, value, rowsMin, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    public BatchNormPolicy withRowsMin(int value) {
        return new BatchNormPolicy(target, span, localReduce, localApply, value, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    public BatchNormPolicy withLocalPositions(int value) {
        return new BatchNormPolicy(target, span, localReduce, localApply, rowsMin, value, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    public BatchNormPolicy withPosBlocks(int value) {
        return new BatchNormPolicy(target, span, localReduce, localApply, rowsMin, localPositions, value,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    /** 0: the row path for every shape; Integer.MAX_VALUE: the positions path for every shape. */
    public BatchNormPolicy withPositionsBelow(int value) {
        return new BatchNormPolicy(target, span, localReduce, localApply, rowsMin, localPositions, posBlocks,
                value, maxChunks, longRow, longRowChunk, fixed, reduction);
    }

    /** The same knobs with another way of taking the partial sums (the kernel family's). */
    public BatchNormPolicy withReduction(BatchNormReduction value) {
        return new BatchNormPolicy(target, span, localReduce, localApply, rowsMin, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, fixed, value);
    }

    /** Every shape gets {@code geometry} (null: the rule's again). */
    public BatchNormPolicy withFixed(BatchNormTuning geometry) {
        return new BatchNormPolicy(target, span, localReduce, localApply, rowsMin, localPositions, posBlocks,
                positionsBelow, maxChunks, longRow, longRowChunk, geometry, reduction);
    }
}
