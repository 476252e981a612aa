package org.clengine.distributed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of a {@link TcpCollective}: every rank sends one message to every other rank and receives one from each,
 * all at once on one selector (so that no pair of ranks can block each other on full socket buffers, whatever the
 * sizes). Each message is a 24-byte header (magic, operation, call number, element count) and a payload of the size
 * the receiver expects; a header that does not match the receiver's own call is an error naming the sender. A peer
 * that closes its connection, resets it, or moves no byte for the I/O timeout is reported by rank.
 */
final class TcpExchange implements AutoCloseable {
    static final int HEADER_BYTES = 24;

    /** The operations, as they travel in headers and appear in messages. */
    enum Op { GATHER_FLOAT, GATHER_DOUBLE, REDUCE_SCATTER, GATHER_REDUCED }

    private final int rank;
    private final SocketChannel[] peers;
    private final Selector selector;
    private final SelectionKey[] keys;
    private final long timeoutNanos;
    private final ByteBuffer[] headersOut;
    private final ByteBuffer[] headersIn;

    TcpExchange(int rank, SocketChannel[] peers, Duration timeout) throws IOException {
        this.rank = rank;
        this.peers = peers;
        this.timeoutNanos = timeout.toNanos();
        this.selector = Selector.open();
        this.keys = new SelectionKey[peers.length];
        this.headersOut = new ByteBuffer[peers.length];
        this.headersIn = new ByteBuffer[peers.length];
        for (int p = 0; p < peers.length; p++) {
            if (peers[p] == null) continue;
            peers[p].configureBlocking(false);
            keys[p] = peers[p].register(selector, 0, p);
            headersOut[p] = ByteBuffer.allocate(HEADER_BYTES);
            headersIn[p] = ByteBuffer.allocate(HEADER_BYTES);
        }
    }

    /**
     * Sends {@code out[p]} (position to limit) to every other rank p and fills {@code in[p]} (position to limit)
     * from it; {@code count} is the caller's element count, which every sender's header must repeat.
     */
    void run(Op op, long call, long count, ByteBuffer[] out, ByteBuffer[] in) {
        ByteBuffer[][] sends = new ByteBuffer[peers.length][];
        for (int p = 0; p < peers.length; p++) {
            if (peers[p] == null) continue;
            headersOut[p].clear().putInt(TcpRendezvous.MAGIC).putInt(op.ordinal()).putLong(call).putLong(count).flip();
            headersIn[p].clear();
            sends[p] = new ByteBuffer[] {headersOut[p], out[p]};
        }
        try {
            loop(op, call, count, sends, in);
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": " + describe(op, call) + " failed: " + e, e);
        }
    }

    private void loop(Op op, long call, long count, ByteBuffer[][] sends, ByteBuffer[] in) throws IOException {
        long lastProgress = System.nanoTime();
        while (true) {
            List<Integer> pending = arm(sends, in);
            if (pending.isEmpty()) return;
            long waitMillis = Math.max(1, (lastProgress + timeoutNanos - System.nanoTime()) / 1_000_000);
            selector.select(waitMillis);
            boolean progress = false;
            for (SelectionKey key : selector.selectedKeys()) {
                int p = (Integer) key.attachment();
                try {
                    // writing first: a rank that finds a mismatch in the header it reads has sent its own header,
                    // so that the other side can name the mismatch too
                    if (key.isValid() && key.isWritable()) progress |= peers[p].write(sends[p]) > 0;
                    if (key.isValid() && key.isReadable()) progress |= read(p, op, call, count, in[p]);
                } catch (IOException e) {
                    throw new CollectiveException("rank " + rank + ": the connection to rank " + p + " failed during "
                            + describe(op, call) + " (" + e.getMessage() + "): rank " + p + " died or closed", e);
                }
            }
            selector.selectedKeys().clear();
            if (progress) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress >= timeoutNanos) {
                throw new CollectiveException("rank " + rank + " timed out after " + timeoutNanos / 1_000_000_000.0
                        + " s without a byte from or to rank(s) " + pending + " during " + describe(op, call)
                        + ": they stalled, died without closing, or call the collective in another order");
            }
        }
    }

    /** Sets each key's interest to what is left to do with that peer; returns the peers with something left. */
    private List<Integer> arm(ByteBuffer[][] sends, ByteBuffer[] in) {
        List<Integer> pending = new ArrayList<>();
        for (int p = 0; p < peers.length; p++) {
            if (peers[p] == null) continue;
            boolean sending = sends[p][0].hasRemaining() || sends[p][1].hasRemaining();
            boolean receiving = headersIn[p].hasRemaining() || in[p].hasRemaining();
            keys[p].interestOps((sending ? SelectionKey.OP_WRITE : 0) | (receiving ? SelectionKey.OP_READ : 0));
            if (sending || receiving) pending.add(p);
        }
        return pending;
    }

    /** Reads the header, checks it, then the payload; never past this message (the next may follow at once). */
    private boolean read(int p, Op op, long call, long count, ByteBuffer payload) throws IOException {
        ByteBuffer h = headersIn[p];
        int n;
        if (h.hasRemaining()) {
            n = peers[p].read(h);
            if (!h.hasRemaining()) check(p, h, op, call, count);
        } else {
            n = peers[p].read(payload);
        }
        if (n < 0) {
            throw new CollectiveException("rank " + rank + ": rank " + p + " closed its connection during "
                    + describe(op, call) + ": its process ended, it closed the collective, or it failed (a rank that "
                    + "fails closes its connections, so the failure reaches every rank)");
        }
        return n > 0;
    }

    private void check(int p, ByteBuffer h, Op op, long call, long count) {
        h.flip();
        int magic = h.getInt();
        int theirOp = h.getInt();
        long theirCall = h.getLong();
        long theirCount = h.getLong();
        if (magic != TcpRendezvous.MAGIC || theirOp < 0 || theirOp >= Op.values().length) {
            throw new CollectiveException("rank " + rank + ": rank " + p + " sent a malformed message during "
                    + describe(op, call));
        }
        if (theirOp != op.ordinal() || theirCall != call) {
            throw new CollectiveException("rank " + rank + " is at " + describe(op, call) + " but rank " + p
                    + " is at " + describe(Op.values()[theirOp], theirCall)
                    + ": the ranks call the collective in different orders");
        }
        if (theirCount != count) {
            throw new CollectiveException("rank " + p + " sent " + theirCount + " values where rank " + rank + " has "
                    + count + " in " + describe(op, call) + ": the ranks' arrays differ in length (mismatched models?)");
        }
        h.position(HEADER_BYTES);
    }

    private static String describe(Op op, long call) {
        return "collective call #" + call + " (" + op.name().toLowerCase().replace('_', ' ') + ")";
    }

    /**
     * After a failure: ends this rank's output (the peers read what was sent, then the end of the stream), reads and
     * drops what the peers still send for up to half a second (closing with unread input would reset the
     * connections and could destroy a header the peers still need for their own message), then closes.
     */
    void abort() {
        for (SocketChannel ch : peers) {
            try {
                if (ch != null) ch.shutdownOutput();
            } catch (IOException | RuntimeException ignored) {
                // already closed or reset: nothing to flush
            }
        }
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        long end = System.nanoTime() + 500_000_000L;
        boolean open = true;
        while (open && System.nanoTime() < end) {
            open = false;
            for (SocketChannel ch : peers) {
                try {
                    if (ch != null && ch.isOpen() && ch.read(sink.clear()) >= 0) open = true;
                } catch (IOException | RuntimeException e) {
                    TcpChannels.closeQuietly(ch);
                }
            }
            if (open) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        close();
    }

    @Override
    public void close() {
        TcpChannels.closeQuietly(selector);
        TcpRendezvous.closeAll(peers);
    }
}
