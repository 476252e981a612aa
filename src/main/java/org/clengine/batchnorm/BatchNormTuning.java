package org.clengine.batchnorm;

/**
 * One shape's launch geometry for kernels/batchnorm.cl, as {@link BatchNormPolicy#forShape} gives it. {@code chunk}
 * and {@code rows} (values per reduction partial) decide the summation order and so the exact bits; spans and local
 * sizes only spread the work and never change a result.
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
        if (chunk < 1 || span < 1 || localReduce < 1 || localApply < 1 || positionsBelow < 0 || rows < 1
                || localPositions < 1) {
            throw new IllegalArgumentException("batch norm geometry values must be positive: chunk " + chunk
                    + ", span " + span + ", local " + localReduce + "/" + localApply + "/" + localPositions
                    + ", rows " + rows + ", positionsBelow " + positionsBelow);
        }
        if (posBlocks < 1 || posBlocks > 8) {
            throw new IllegalArgumentException("posBlocks must be 1 to 8: " + posBlocks);
        }
    }

    public BatchNormTuning(long chunk, long span, int localReduce, int localApply, int positionsBelow, int rows,
            int localPositions) {
        this(chunk, span, localReduce, localApply, positionsBelow, rows, localPositions, 1, true);
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
}
