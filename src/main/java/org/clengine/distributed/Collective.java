package org.clengine.distributed;

import org.clengine.core.AllGather;

/**
 * A fixed group of ranks 0..N−1 that exchange arrays. Every operation is collective: all ranks call the same
 * operations in the same order with arrays of the same length, and every rank ends with identical bits. Whether the
 * ranks are threads of one JVM (one per OpenCL device) or processes on several machines, the results are the same
 * bits: the arithmetic is fixed by {@link RankOrder}, never by who finishes first. A failure of any rank (an
 * exception, a closed connection, a timeout) makes the others' calls throw {@link CollectiveException} naming it.
 * It is an {@link AllGather}, so synchronized batch norm ({@code org.clengine.nn.BatchNorm#sync}) takes it directly.
 */
public interface Collective extends AllGather, AutoCloseable {

    /** This member's rank, 0..worldSize()−1. */
    @Override
    int rank();

    /** The number of ranks. */
    @Override
    int worldSize();

    /** Every rank's {@code mine}, indexed by rank (the caller's own at {@code [rank()]}); lengths must agree. */
    @Override
    double[][] allGather(double[] mine);

    /** Every rank's {@code mine}, indexed by rank; lengths must agree. */
    float[][] allGather(float[] mine);

    /**
     * Replaces {@code data} by the element-wise sum over ranks, added in rank order in float
     * ({@link RankOrder#sum(float[][], float[])}): the same bits on every rank and for every transport.
     */
    default void allReduceSum(float[] data) {
        RankOrder.sum(allGather(data), data);
    }

    /** Waits until every rank has reached it. */
    default void barrier() {
        allGather(new double[0]);
    }

    /** Releases connections or threads; a rank's close makes later calls of the others fail, not hang. */
    @Override
    void close();
}
