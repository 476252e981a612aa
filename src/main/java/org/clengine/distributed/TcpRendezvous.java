package org.clengine.distributed;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the full mesh of a {@link TcpCollective}. Rank 0 listens at the master address; every other rank opens a
 * listening socket of its own on an ephemeral port, connects to rank 0 and says hello (protocol version, world size,
 * rank, fingerprint, its port). Rank 0 checks every hello against its own (a wrong world size, a rank out of range or
 * claimed twice, another fingerprint are refused, and every rank that joined is told why), then sends each rank the
 * table of addresses (as rank 0 saw them) with a session number. Rank r then connects to ranks 1..r−1 and accepts
 * ranks r+1..N−1, each connection opened with the session number and the caller's rank.
 */
final class TcpRendezvous {
    static final int MAGIC = 0x434c4e47;   // "CLNG"
    static final int VERSION = 1;
    private static final int OK = 0;
    private static final int REFUSED = 1;

    private record Hello(int version, int worldSize, int rank, int port, String fingerprint) {
    }

    private TcpRendezvous() {
    }

    /** Channels to every other rank, indexed by rank (null at the caller's own). */
    static SocketChannel[] connect(TcpConfig c) {
        return c.worldSize() == 1 ? new SocketChannel[1] : c.rank() == 0 ? asMaster(c) : asWorker(c);
    }

    private static SocketChannel[] asMaster(TcpConfig c) {
        int n = c.worldSize();
        SocketChannel[] peers = new SocketChannel[n];
        InetSocketAddress[] table = new InetSocketAddress[n];
        long deadline = TcpChannels.deadline(c.connectTimeout());
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            bindMaster(server, c);
            for (int joined = 0; joined < n - 1; ) {
                SocketChannel ch = TcpChannels.accept(server, deadline, () -> "at " + c.master() + ": rank 0 waited "
                        + c.connectTimeout().toSeconds() + " s for rank(s) " + missing(peers) + " to connect");
                InetSocketAddress from = (InetSocketAddress) ch.getRemoteAddress();
                Hello h = readHello(ch, Math.min(deadline, TcpChannels.deadline(c.ioTimeout())), from);
                String problem = check(h, c, peers, from);
                if (problem != null) {
                    peers[0] = ch;   // told too, then closed below
                    refuseAll(peers, problem, c);
                    throw new CollectiveException(problem);
                }
                peers[h.rank()] = ch;
                table[h.rank()] = new InetSocketAddress(from.getAddress(), h.port());
                joined++;
            }
            long session = ThreadLocalRandom.current().nextLong();
            for (int r = 1; r < n; r++) {
                TcpChannels.writeFrame(peers[r], welcome(session, table), deadline, "rank " + r);
            }
            return peers;
        } catch (IOException | RuntimeException e) {
            closeAll(peers);
            if (e instanceof CollectiveException ce) throw ce;
            throw new CollectiveException("rank 0 at " + c.master() + ": " + e, e);
        }
    }

    private static void bindMaster(ServerSocketChannel server, TcpConfig c) throws IOException {
        try {
            server.bind(new InetSocketAddress(c.masterHost(), c.masterPort()), c.worldSize());
        } catch (BindException e) {
            throw new CollectiveException("rank 0 cannot listen at " + c.master() + " (" + e.getMessage()
                    + "): the port is in use (another job, or a second process started as rank 0?) or the host is "
                    + "not an address of this machine", e);
        }
    }

    private static String check(Hello h, TcpConfig c, SocketChannel[] peers, InetSocketAddress from) {
        String who = "the process at " + from + " (rank " + h.rank() + ")";
        if (h.version() != VERSION) {
            return who + " speaks protocol version " + h.version() + ", rank 0 speaks " + VERSION;
        }
        if (h.worldSize() != c.worldSize()) {
            return "world sizes differ: " + who + " has world size " + h.worldSize() + ", rank 0 has "
                    + c.worldSize();
        }
        if (h.rank() < 1 || h.rank() >= c.worldSize()) {
            return who + " claims rank " + h.rank() + ", outside 1.." + (c.worldSize() - 1) + " (rank 0 is "
                    + c.master() + ")";
        }
        if (peers[h.rank()] != null) {
            return "rank " + h.rank() + " is claimed twice: by " + remote(peers[h.rank()]) + " and by " + from;
        }
        if (!h.fingerprint().equals(c.fingerprint())) {
            return "rank " + h.rank() + " and rank 0 disagree (mismatched models?): rank " + h.rank() + " has '"
                    + h.fingerprint() + "', rank 0 has '" + c.fingerprint() + "'";
        }
        return null;
    }

    private static SocketChannel[] asWorker(TcpConfig c) {
        int n = c.worldSize();
        int me = c.rank();
        SocketChannel[] peers = new SocketChannel[n];
        long deadline = TcpChannels.deadline(c.connectTimeout());
        String master = "rank 0 at " + c.master();
        try (ServerSocketChannel own = ServerSocketChannel.open()) {
            own.bind(new InetSocketAddress(0), n);
            peers[0] = TcpChannels.connect(new InetSocketAddress(c.masterHost(), c.masterPort()), deadline, master);
            int port = ((InetSocketAddress) own.getLocalAddress()).getPort();
            TcpChannels.writeFrame(peers[0], hello(c, port), deadline, master);
            ByteBuffer reply = TcpChannels.readFrame(peers[0], deadline, master);
            if (reply.getInt() != MAGIC) throw new CollectiveException(master + " is not a clengine rank 0");
            if (reply.getInt() != OK) {
                throw new CollectiveException("rank 0 refused rank " + me + ": " + string(reply));
            }
            long session = reply.getLong();
            InetSocketAddress[] table = readTable(reply, n);
            for (int r = 1; r < me; r++) {
                peers[r] = TcpChannels.connect(table[r], deadline, "rank " + r + " at " + table[r]);
                ByteBuffer intro = ByteBuffer.allocate(16).putInt(MAGIC).putInt(me).putLong(session).flip();
                TcpChannels.writeFully(peers[r], intro, deadline, "rank " + r);
            }
            for (int k = me + 1; k < n; k++) acceptHigher(own, peers, me, session, deadline);
            return peers;
        } catch (IOException | RuntimeException e) {
            closeAll(peers);
            if (e instanceof CollectiveException ce) throw ce;
            throw new CollectiveException("rank " + me + ": " + e, e);
        }
    }

    private static void acceptHigher(ServerSocketChannel own, SocketChannel[] peers, int me, long session,
                                     long deadline) {
        SocketChannel ch = TcpChannels.accept(own, deadline, () -> "rank " + me + " waited for rank(s) "
                + missing(peers) + " to connect to it");
        ByteBuffer intro = ByteBuffer.allocate(16);
        TcpChannels.readFully(ch, intro, deadline, "a rank connecting to rank " + me);
        intro.flip();
        int magic = intro.getInt();
        int from = intro.getInt();
        if (magic != MAGIC || intro.getLong() != session || from <= me || from >= peers.length
                || peers[from] != null) {
            TcpChannels.closeQuietly(ch);
            throw new CollectiveException("rank " + me + " got a connection from " + remote(ch)
                    + " that is not a rank of this job above " + me + " (rank " + from + "?)");
        }
        peers[from] = ch;
    }

    private static ByteBuffer hello(TcpConfig c, int port) {
        byte[] fp = c.fingerprint().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(28 + fp.length).putInt(MAGIC).putInt(VERSION).putInt(c.worldSize())
                .putInt(c.rank()).putInt(port).putInt(fp.length).put(fp).flip();
    }

    private static Hello readHello(SocketChannel ch, long deadline, InetSocketAddress from) {
        ByteBuffer b = TcpChannels.readFrame(ch, deadline, "the process at " + from);
        if (b.remaining() < 24 || b.getInt() != MAGIC) {
            TcpChannels.closeQuietly(ch);
            throw new CollectiveException("the process at " + from + " connected to rank 0 but is not a clengine rank");
        }
        int version = b.getInt();
        if (version != VERSION) return new Hello(version, -1, -1, -1, "");
        return new Hello(version, b.getInt(), b.getInt(), b.getInt(), string(b));
    }

    private static ByteBuffer welcome(long session, InetSocketAddress[] table) {
        List<byte[]> hosts = new ArrayList<>();
        int size = 16;
        for (int r = 1; r < table.length; r++) {
            byte[] a = table[r].getAddress().getAddress();
            hosts.add(a);
            size += 8 + a.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).putInt(MAGIC).putInt(OK).putLong(session);
        for (int r = 1; r < table.length; r++) {
            b.putInt(hosts.get(r - 1).length).put(hosts.get(r - 1)).putInt(table[r].getPort());
        }
        return b.flip();
    }

    private static InetSocketAddress[] readTable(ByteBuffer b, int n) throws IOException {
        InetSocketAddress[] table = new InetSocketAddress[n];
        for (int r = 1; r < n; r++) {
            int len = b.getInt();
            if (len != 4 && len != 16) throw new CollectiveException("rank 0 sent a malformed address table");
            byte[] a = new byte[len];
            b.get(a);
            table[r] = new InetSocketAddress(InetAddress.getByAddress(a), b.getInt());
        }
        return table;
    }

    private static void refuseAll(SocketChannel[] peers, String problem, TcpConfig c) {
        byte[] msg = problem.getBytes(StandardCharsets.UTF_8);
        long deadline = TcpChannels.deadline(java.time.Duration.ofSeconds(2));
        for (SocketChannel ch : peers) {
            if (ch == null) continue;
            try {
                ByteBuffer b = ByteBuffer.allocate(12 + msg.length).putInt(MAGIC).putInt(REFUSED)
                        .putInt(msg.length).put(msg).flip();
                TcpChannels.writeFrame(ch, b, deadline, "a rank being refused");
            } catch (CollectiveException ignored) {
                // it is told if it can be; rank 0 fails either way
            }
        }
    }

    private static String string(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) throw new CollectiveException("malformed handshake text");
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static List<Integer> missing(SocketChannel[] peers) {
        List<Integer> m = new ArrayList<>();
        for (int r = 1; r < peers.length; r++) if (peers[r] == null) m.add(r);
        return m;
    }

    private static String remote(SocketChannel ch) {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "(closed)";
        }
    }

    static void closeAll(SocketChannel[] peers) {
        for (SocketChannel ch : peers) TcpChannels.closeQuietly(ch);
    }
}
