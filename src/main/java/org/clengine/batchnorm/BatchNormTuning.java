package org.clengine.batchnorm;

import org.clengine.batchnorm.opencl.BatchNormTuningStore;
import org.clengine.batchnorm.BatchNormShape;
import org.clengine.device.DeviceInfo;

/**
 * Launch geometry for kernels/batchnorm.cl. {@code chunk} and {@code rows} (values per reduction partial) decide the
 * summation order and so the exact bits; spans and local sizes only spread the work and never change a result.
 *
 * @param chunk          row path: values of one channel per partial
 * @param span           row path: values of the tensor per work-item in the apply kernels
 * @param localReduce    row path: local size of the partial and merge kernels
 * @param localApply     row path: local size of the apply kernels
 * @param positionsBelow use the positions path when H·W is below this (rows too short to vectorize)
 * @param rows           positions path: rows per partial and per apply work-item
 * @param localPositions positions path: local size (dimension 0, blocks of 16 positions)
 * @param posBlocks      positions path: blocks of 16 positions per apply (and single-launch) work-item
 * @param single         N×C input (H·W = 1) whose rows are one chunk runs each direction in one launch
 *                       (batchnorm_*_single), bitwise equal to the positions path's three
 */
public record BatchNormTuning(long chunk, long span, int localReduce, int localApply, int positionsBelow, int rows,
        int localPositions, int posBlocks, boolean single) {

    public BatchNormTuning {
        if (posBlocks < 1 || posBlocks > 8) {
            throw new IllegalArgumentException("posBlocks must be 1 to 8: " + posBlocks);
        }
    }

    public BatchNormTuning(long chunk, long span, int localReduce, int localApply, int positionsBelow, int rows,
            int localPositions) {
        this(chunk, span, localReduce, localApply, positionsBelow, rows, localPositions, 1, true);
    }

    /**
     * The device's rule from which every shape's geometry follows: what {@code ./clengine tune batchnorm} searches
     * and stores (BatchNormTuningStore), or {@link #defaults} without a stored one.
     *
     * @param target         values per reduction chunk to aim for (chunks are whole H·W rows)
     * @param span           values per apply work-item
     * @param localReduce    local size of the reduction and merge kernels
     * @param localApply     local size of the apply kernels
     * @param rowsMin        positions path: rows per work-item, at least (more when N needs > 4096 chunks)
     * @param localPositions local size of the positions path's kernels
     * @param posBlocks      blocks of 16 positions per apply work-item on the positions path (1 to 8)
     */
    public record Rule(int target, long span, int localReduce, int localApply, int rowsMin, int localPositions,
            int posBlocks) {
        public Rule {
            if (target < 1 || span < 1 || localReduce < 1 || localApply < 1 || rowsMin < 1 || localPositions < 1
                    || posBlocks < 1 || posBlocks > 8) {
                throw new IllegalArgumentException("every batch norm tuning value must be positive: " + this);
            }
        }

        /**
         * Chunks are whole H·W rows, one row when H·W ≥ 128 on CPUs (≥ 2048 on GPUs, where items are many and
         * short), and the reduction's work-groups take 4 neighbouring channels on CPUs: a group then reads 4
         * consecutive rows of one image, one contiguous stretch. Measured on PoCL (forward-train, backward vs the
         * copy kernel): mb256ic256ih14iw14 0.69-0.82x / 0.76-0.86x with 21-row chunks and local 1, 0.98x / 1.05x
         * with one-row chunks and local 4; mb32ic64ih56iw56 0.92-0.95x / 0.95-1.02x. The GPU values are untested
         * guesses until a GPU session tunes them.
         */
        public static Rule defaults(DeviceInfo device) {
            boolean cpu = device.typeName().equals("cpu");
            int max = (int) Math.min(Integer.MAX_VALUE, device.maxWorkGroupSize());
            return new Rule(cpu ? 128 : 2048, cpu ? 4096 : 8, Math.min(cpu ? 4 : 64, max), Math.min(cpu ? 1 : 256, max),
                    cpu ? 256 : 32, Math.min(cpu ? 4 : 64, max), cpu ? 4 : 1);
        }

        /** This rule's geometry for one shape. Rows over 64 Ki values are cut; at most ~4096 chunks a channel. */
        public BatchNormTuning forShape(BatchNormShape shape) {
            long hw = shape.hw();
            long chunk = hw > 65536 ? Math.max(16384, ceilDiv(shape.perChannel(), 4096))
                    : hw * Math.max(ceilDiv(target, hw), ceilDiv(shape.n(), 4096));
            int rows = (int) Math.max(rowsMin, ceilDiv(shape.n(), 4096));
            return new BatchNormTuning(chunk, span, localReduce, localApply, 16, rows, localPositions, posBlocks, true);
        }

        public String label() {
            return "target" + target + "span" + span + "reduce" + localReduce + "apply" + localApply + "rows"
                    + rowsMin + "pos" + localPositions + "blocks" + posBlocks;
        }
    }

    /** The built-in rule's geometry for {@code shape} on {@code device}. */
    public static BatchNormTuning forDevice(DeviceInfo device, BatchNormShape shape) {
        return Rule.defaults(device).forShape(shape);
    }

    /** Whether this shape takes the positions path. */
    public boolean positions(BatchNormShape shape) {
        return shape.hw() < positionsBelow;
    }

    public BatchNormTuning withLocalSizes(int reduce, int apply) {
        return new BatchNormTuning(chunk, span, reduce, apply, positionsBelow, rows, reduce, posBlocks, single);
    }

    public BatchNormTuning withSpan(long value) {
        return new BatchNormTuning(chunk, value, localReduce, localApply, positionsBelow, rows, localPositions,
                posBlocks, single);
    }

    /** Forces the positions path (true) or the row path (false) for every shape. */
    public BatchNormTuning withPositionsPath(boolean always) {
        return new BatchNormTuning(chunk, span, localReduce, localApply, always ? Integer.MAX_VALUE : 0, rows,
                localPositions, posBlocks, single);
    }

    public BatchNormTuning withRows(int value) {
        return new BatchNormTuning(chunk, span, localReduce, localApply, positionsBelow, value, localPositions,
                posBlocks, single);
    }

    public BatchNormTuning withPosBlocks(int value) {
        return new BatchNormTuning(chunk, span, localReduce, localApply, positionsBelow, rows, localPositions, value,
                single);
    }

    /** Allows (true) or forbids the single-launch path. */
    public BatchNormTuning withSingle(boolean value) {
        return new BatchNormTuning(chunk, span, localReduce, localApply, positionsBelow, rows, localPositions,
                posBlocks, value);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static long roundUp(long a, long multiple) {
        return ceilDiv(a, multiple) * multiple;
    }
}
