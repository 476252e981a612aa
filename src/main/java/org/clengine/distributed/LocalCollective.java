package org.clengine.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * N ranks as threads of one JVM (one per OpenCL device): {@link #group} makes the members, each thread uses its own.
 * The arithmetic is {@link RankOrder}'s, so the bits are those of any other transport. A member that fails calls
 * {@link #abort}: the others' calls then throw a {@link CollectiveException} naming it. A call that waits longer than
 * the timeout for the slowest rank breaks the group, naming the ranks that never came; nothing waits forever.
 */
public final class LocalCollective implements Collective {
    private final Group group;
    private final int rank;

    private LocalCollective(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** {@code worldSize} members of one new group, indexed by rank; a call waits at most {@code timeout}. */
    public static List<LocalCollective> group(int worldSize, Duration timeout) {
        if (worldSize < 1) throw new IllegalArgumentException("world size must be at least 1, got " + worldSize);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        Group g = new Group(worldSize, timeout.toNanos());
        List<LocalCollective> members = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) members.add(new LocalCollective(g, r));
        return List.copyOf(members);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return group.size;
    }

    @Override
    public double[][] allGather(double[] mine) {
        if (mine == null) throw new IllegalArgumentException("rank " + rank + ": array is null");
        Object[] all = group.exchange(rank, mine.clone(), mine.length);
        double[][] out = new double[all.length][];
        for (int r = 0; r < all.length; r++) out[r] = ((double[]) all[r]).clone();
        return out;
    }

    @Override
    public float[][] allGather(float[] mine) {
        if (mine == null) throw new IllegalArgumentException("rank " + rank + ": array is null");
        Object[] all = group.exchange(rank, mine.clone(), mine.length);
        float[][] out = new float[all.length][];
        for (int r = 0; r < all.length; r++) out[r] = ((float[]) all[r]).clone();
        return out;
    }

    /** Breaks the group because this rank failed: the others' current and later calls throw, naming it. */
    public void abort(Throwable cause) {
        group.breakWith("rank " + rank + " failed: " + (cause == null ? "aborted" : describe(cause)), cause);
    }

    /** Leaves the group: later calls of the others fail at once instead of waiting for this rank. */
    @Override
    public void close() {
        group.leave(rank);
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** The shared state: one round at a time, each round's result a fresh array so that slots can be reused. */
    private static final class Group {
        private final int size;
        private final long timeoutNanos;
        private final Object[] slots;
        private final int[] lengths;
        private final boolean[] closed;
        private int arrived;
        private long round;
        private Object[] result;
        private CollectiveException broken;

        Group(int size, long timeoutNanos) {
            this.size = size;
            this.timeoutNanos = timeoutNanos;
            this.slots = new Object[size];
            this.lengths = new int[size];
            this.closed = new boolean[size];
        }

        synchronized Object[] exchange(int rank, Object copy, int length) {
            check();
            for (int r = 0; r < size; r++) {
                if (closed[r]) throw fail("rank " + r + " has closed its collective; rank " + rank + " cannot go on");
            }
            if (slots[rank] != null) throw new IllegalStateException("rank " + rank + " is already in a call");
            slots[rank] = copy;
            lengths[rank] = length;
            long myRound = round;
            if (++arrived == size) {
                complete();
                return result;
            }
            long deadline = System.nanoTime() + timeoutNanos;
            while (round == myRound) {
                check();
                long left = deadline - System.nanoTime();
                if (left <= 0) throw fail("timed out after " + timeoutNanos / 1_000_000 + " ms waiting for "
                        + missing() + " (rank " + rank + " was waiting)");
                try {
                    wait(left / 1_000_000, (int) (left % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw fail("rank " + rank + " was interrupted while waiting for " + missing());
                }
            }
            return result;
        }

        /** The last rank to arrive checks the lengths and publishes the round. */
        private void complete() {
            for (int r = 1; r < size; r++) {
                if (lengths[r] != lengths[0]) {
                    throw fail("rank " + r + " sent " + lengths[r] + " values where rank 0 sent " + lengths[0]
                            + ": the ranks' arrays differ in length (mismatched models?)");
                }
            }
            result = slots.clone();
            java.util.Arrays.fill(slots, null);
            arrived = 0;
            round++;
            notifyAll();
        }

        private String missing() {
            List<Integer> absent = new ArrayList<>();
            for (int r = 0; r < size; r++) if (slots[r] == null) absent.add(r);
            return (absent.size() == 1 ? "rank " : "ranks ") + absent.toString().replaceAll("[\\[\\]]", "");
        }

        private void check() {
            if (broken != null) throw new CollectiveException(broken.getMessage(), broken);
        }

        private CollectiveException fail(String message) {
            breakWith(message, null);
            return new CollectiveException(message);
        }

        synchronized void breakWith(String message, Throwable cause) {
            if (broken == null) broken = new CollectiveException(message, cause);
            notifyAll();
        }

        synchronized void leave(int rank) {
            closed[rank] = true;
            if (slots[rank] == null && arrived > 0) {
                breakWith("rank " + rank + " closed its collective while others waited for it", null);
            }
        }
    }
}
