package org.clengine.core;

/**
 * The one exchange synchronized batch norm needs: every rank's array, indexed by rank. It lives here, below the ops,
 * so that batch norm can take it; {@code org.clengine.distributed.Collective} extends it with the transports.
 */
public interface AllGather {

    /** This member's rank, 0..worldSize()−1. */
    int rank();

    /** The number of ranks. */
    int worldSize();

    /** Every rank's {@code mine}, indexed by rank (the caller's own at {@code [rank()]}); lengths must agree. */
    double[][] allGather(double[] mine);
}
