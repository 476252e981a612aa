package org.clengine.distributed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * A {@link Collective} between processes (on one machine or several) over plain TCP: a full mesh of connections,
 * built by {@link #connect(TcpConfig)} through rank 0's master address.
 *
 * <p>{@link #allReduceSum(float[])} is a direct reduce-scatter then all-gather over the mesh: rank r receives every
 * rank's slice r of the array, adds the N slices in rank order with {@link RankOrder#sum} (so its bits are those of
 * every other transport), and sends the sum of slice r to everyone. Each rank sends and receives 2·(N−1)/N of the
 * array in two rounds, as a ring all-reduce does, but in 2 latencies instead of 2·(N−1), and with rank order kept
 * (a ring's running sums would start at a different rank for each slice). A star through rank 0 would put
 * 2·(N−1) arrays through rank 0's link. The mesh has N·(N−1)/2 connections: meant for N up to a few dozen.
 *
 * <p>One thread per rank uses it at a time. Any failure (a peer that closes, resets, stalls past the I/O timeout,
 * or calls a different operation or length) throws {@link CollectiveException} naming the rank, and closes this
 * rank's connections, so that the others fail at once too rather than at their timeouts.
 */
public final class TcpCollective implements Collective {
    private final TcpConfig config;
    private final TcpExchange exchange;
    private final ByteBuffer[] scratch;
    private long calls;
    private String broken;

    private TcpCollective(TcpConfig config, SocketChannel[] peers) throws IOException {
        this.config = config;
        this.exchange = new TcpExchange(config.rank(), peers, config.ioTimeout());
        this.scratch = new ByteBuffer[config.worldSize() + 1];
    }

    /**
     * Meets the other ranks and returns when all are connected (a barrier), or throws {@link CollectiveException}:
     * the master port in use, a rank that does not join within the connect timeout, a wrong world size, a rank
     * claimed twice, or a fingerprint that differs from rank 0's.
     */
    public static TcpCollective connect(TcpConfig config) {
        SocketChannel[] peers = TcpRendezvous.connect(config);
        TcpCollective c;
        try {
            c = new TcpCollective(config, peers);
        } catch (IOException e) {
            TcpRendezvous.closeAll(peers);
            throw new CollectiveException("rank " + config.rank() + ": " + e, e);
        }
        c.barrier();
        return c;
    }

    @Override
    public int rank() {
        return config.rank();
    }

    @Override
    public int worldSize() {
        return config.worldSize();
    }

    /** The configuration it was connected with. */
    public TcpConfig config() {
        return config;
    }

    @Override
    public float[][] allGather(float[] mine) {
        if (mine == null) throw new IllegalArgumentException("rank " + rank() + ": array is null");
        int n = mine.length;
        ByteBuffer send = buffer(0, bytes(n, 4));
        send.asFloatBuffer().put(mine);
        ByteBuffer[] in = exchangeWhole(TcpExchange.Op.GATHER_FLOAT, n, send, 4);
        float[][] all = new float[worldSize()][];
        for (int r = 0; r < all.length; r++) {
            all[r] = r == rank() ? mine.clone() : new float[n];
            if (r != rank()) in[r].position(0).asFloatBuffer().get(all[r]);
        }
        return all;
    }

    @Override
    public double[][] allGather(double[] mine) {
        if (mine == null) throw new IllegalArgumentException("rank " + rank() + ": array is null");
        int n = mine.length;
        ByteBuffer send = buffer(0, bytes(n, 8));
        send.asDoubleBuffer().put(mine);
        ByteBuffer[] in = exchangeWhole(TcpExchange.Op.GATHER_DOUBLE, n, send, 8);
        double[][] all = new double[worldSize()][];
        for (int r = 0; r < all.length; r++) {
            all[r] = r == rank() ? mine.clone() : new double[n];
            if (r != rank()) in[r].position(0).asDoubleBuffer().get(all[r]);
        }
        return all;
    }

    /** Reduce-scatter, then all-gather of the reduced slices: see the class comment. */
    @Override
    public void allReduceSum(float[] data) {
        if (data == null) throw new IllegalArgumentException("rank " + rank() + ": array is null");
        int world = worldSize();
        if (world == 1) return;
        int n = data.length;
        int me = rank();
        ByteBuffer all = buffer(0, bytes(n, 4));
        all.asFloatBuffer().put(data);
        ByteBuffer[] out = new ByteBuffer[world];
        ByteBuffer[] in = new ByteBuffer[world];
        int mine = slice(n, me + 1) - slice(n, me);
        for (int p = 0; p < world; p++) {
            if (p == me) continue;
            out[p] = all.duplicate().limit(4 * slice(n, p + 1)).position(4 * slice(n, p));
            in[p] = buffer(p + 1, 4L * mine);
        }
        step(TcpExchange.Op.REDUCE_SCATTER, n, out, in);
        float[][] parts = new float[world][mine];
        for (int p = 0; p < world; p++) {
            if (p == me) System.arraycopy(data, slice(n, me), parts[p], 0, mine);
            else in[p].position(0).asFloatBuffer().get(parts[p]);
        }
        float[] sum = new float[mine];
        RankOrder.sum(parts, sum);
        System.arraycopy(sum, 0, data, slice(n, me), mine);
        ByteBuffer reduced = all.duplicate().limit(4 * slice(n, me + 1)).position(4 * slice(n, me)).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        reduced.asFloatBuffer().put(sum);
        for (int p = 0; p < world; p++) {
            if (p == me) continue;
            out[p] = reduced.duplicate();
            in[p] = buffer(p + 1, 4L * (slice(n, p + 1) - slice(n, p)));
        }
        step(TcpExchange.Op.GATHER_REDUCED, n, out, in);
        for (int p = 0; p < world; p++) {
            if (p != me) in[p].position(0).asFloatBuffer().get(data, slice(n, p), slice(n, p + 1) - slice(n, p));
        }
    }

    /** Closes the connections; the other ranks' next calls fail naming this rank. Never throws. */
    @Override
    public void close() {
        if (broken == null) broken = "it was closed";
        exchange.close();
    }

    /** Where slice s of n elements starts: slices differ in length by at most one. */
    private int slice(int n, int s) {
        return (int) ((long) n * s / worldSize());
    }

    private ByteBuffer[] exchangeWhole(TcpExchange.Op op, int n, ByteBuffer send, int width) {
        ByteBuffer[] out = new ByteBuffer[worldSize()];
        ByteBuffer[] in = new ByteBuffer[worldSize()];
        for (int p = 0; p < worldSize(); p++) {
            if (p == rank()) continue;
            out[p] = send.duplicate();
            in[p] = buffer(p + 1, bytes(n, width));
        }
        step(op, n, out, in);
        return in;
    }

    private void step(TcpExchange.Op op, int count, ByteBuffer[] out, ByteBuffer[] in) {
        if (broken != null) {
            throw new CollectiveException("rank " + rank() + "'s collective cannot be used: " + broken);
        }
        try {
            exchange.run(op, ++calls, count, out, in);
        } catch (RuntimeException e) {
            broken = "an earlier call failed (" + e.getMessage() + ")";
            exchange.abort();   // the others see the closed connections at once instead of waiting for a timeout
            throw e;
        }
    }

    /** Scratch buffer {@code slot} (0: sending, 1+p: from rank p), direct and little-endian, position 0, limit bytes. */
    private ByteBuffer buffer(int slot, long bytes) {
        ByteBuffer b = scratch[slot];
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect((int) Math.max(bytes, 64)).order(ByteOrder.LITTLE_ENDIAN);
            scratch[slot] = b;
        }
        b.clear().limit((int) bytes);
        return b;
    }

    private static long bytes(int n, int width) {
        long b = (long) n * width;
        if (b > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(n + " values do not fit in one message");
        return b;
    }
}
