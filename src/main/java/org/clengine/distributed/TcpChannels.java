package org.clengine.distributed;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.function.Supplier;

/**
 * The rendezvous' I/O: connect, accept, read and write on non-blocking channels, each bounded by a deadline
 * ({@link System#nanoTime()}), since a blocking channel's reads and writes cannot time out. {@code who} names the
 * other end in every message ("rank 0 at 10.0.0.1:29500").
 */
final class TcpChannels {
    /** Handshake frames are small; a longer one is a stranger speaking another protocol. */
    static final int MAX_FRAME_BYTES = TcpConfig.MAX_FINGERPRINT_BYTES + 64 * 1024;
    private static final long RETRY_MILLIS = 100;

    private TcpChannels() {
    }

    /** Connects, retrying while the other end is not listening yet, until the deadline. */
    static SocketChannel connect(InetSocketAddress to, long deadline, String who) {
        if (to.isUnresolved()) throw new CollectiveException("cannot resolve the address of " + who);
        IOException last = null;
        while (true) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                ch.configureBlocking(false);
                if (!ch.connect(to)) {
                    await(ch, SelectionKey.OP_CONNECT, deadline, () -> "connecting to " + who);
                    ch.finishConnect();
                }
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                return ch;
            } catch (ConnectException e) {
                last = e;   // not listening yet: the other process may still be starting
            } catch (IOException | UnresolvedAddressException e) {
                closeQuietly(ch);
                throw new CollectiveException("cannot connect to " + who + ": " + e, e);
            } catch (CollectiveException e) {
                closeQuietly(ch);   // the deadline passed while a connection attempt was still pending
                throw new CollectiveException("could not connect to " + who + " before the connect timeout (no "
                        + "answer): is it running, and is the address right?", e);
            }
            closeQuietly(ch);
            if (System.nanoTime() + RETRY_MILLIS * 1_000_000 - deadline > 0) {
                throw new CollectiveException("could not connect to " + who + " before the connect timeout ("
                        + last.getMessage() + "): is it running, and is the address right?", last);
            }
            sleep();
        }
    }

    /** Accepts one connection before the deadline; {@code onTimeout} says who was being waited for. */
    static SocketChannel accept(ServerSocketChannel server, long deadline, Supplier<String> onTimeout) {
        try {
            server.configureBlocking(false);
            while (true) {
                SocketChannel ch = server.accept();
                if (ch != null) {
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    return ch;
                }
                await(server, SelectionKey.OP_ACCEPT, deadline, onTimeout);
            }
        } catch (IOException e) {
            throw new CollectiveException("accepting a connection failed: " + e, e);
        }
    }

    static void writeFully(SocketChannel ch, ByteBuffer buf, long deadline, String who) {
        try {
            while (buf.hasRemaining()) {
                if (ch.write(buf) == 0) await(ch, SelectionKey.OP_WRITE, deadline, () -> "writing to " + who);
            }
        } catch (IOException e) {
            throw new CollectiveException("the connection to " + who + " failed: " + e, e);
        }
    }

    static void readFully(SocketChannel ch, ByteBuffer buf, long deadline, String who) {
        try {
            while (buf.hasRemaining()) {
                int n = ch.read(buf);
                if (n < 0) throw new CollectiveException(who + " closed the connection (it failed or ended)");
                if (n == 0) await(ch, SelectionKey.OP_READ, deadline, () -> "waiting for " + who);
            }
        } catch (IOException e) {
            throw new CollectiveException("the connection to " + who + " failed: " + e, e);
        }
    }

    /** A length-prefixed frame. */
    static void writeFrame(SocketChannel ch, ByteBuffer body, long deadline, String who) {
        ByteBuffer len = ByteBuffer.allocate(4).putInt(body.remaining()).flip();
        writeFully(ch, len, deadline, who);
        writeFully(ch, body, deadline, who);
    }

    /** A length-prefixed frame, refused above {@link #MAX_FRAME_BYTES} before anything is allocated. */
    static ByteBuffer readFrame(SocketChannel ch, long deadline, String who) {
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(ch, len, deadline, who);
        int n = len.flip().getInt();
        if (n < 0 || n > MAX_FRAME_BYTES) {
            throw new CollectiveException(who + " sent a " + n + "-byte handshake: not a clengine rank of this "
                    + "protocol version");
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        readFully(ch, body, deadline, who);
        return body.flip();
    }

    static long deadline(java.time.Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort: the channel is being abandoned either way
        }
    }

    private static void await(SelectableChannel ch, int ops, long deadline, Supplier<String> what)
            throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        try (Selector s = Selector.open()) {
            ch.register(s, ops);
            if (left <= 0 || s.select(left) == 0) {
                throw new CollectiveException("timed out " + what.get());
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while connecting", e);
        }
    }
}
