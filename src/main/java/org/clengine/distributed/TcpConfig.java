package org.clengine.distributed;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Where and how the ranks of a {@link TcpCollective} meet. Rank 0 listens at {@code masterHost:masterPort}; the
 * others connect there, retrying until {@code connectTimeout}. {@code fingerprint} is whatever every rank must agree
 * on before any data moves (the model's parameter shapes, say): a rank whose fingerprint differs from rank 0's is
 * refused by name. {@code ioTimeout} bounds every read and write after that: a rank that makes no progress for that
 * long is reported by rank number.
 */
public record TcpConfig(String masterHost, int masterPort, int worldSize, int rank, String fingerprint,
                        Duration connectTimeout, Duration ioTimeout) {

    /** Connecting waits this long for the other ranks by default (a cluster may start them seconds apart). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    /** A rank that sends nothing for this long during a collective call is reported as stalled, by default. */
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(60);
    /** Fingerprints travel in the handshake; this bounds what a rank must read from a stranger. */
    public static final int MAX_FINGERPRINT_BYTES = 64 * 1024;

    public TcpConfig {
        if (masterHost == null || masterHost.isBlank()) throw new IllegalArgumentException("no master host");
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("master port " + masterPort + " is not in 1..65535");
        }
        if (worldSize < 1) throw new IllegalArgumentException("world size " + worldSize + " is below 1");
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is not in 0.." + (worldSize - 1)
                    + " (world size " + worldSize + ")");
        }
        if (fingerprint == null) throw new IllegalArgumentException("no fingerprint (use \"\" for none)");
        if (fingerprint.getBytes(StandardCharsets.UTF_8).length > MAX_FINGERPRINT_BYTES) {
            throw new IllegalArgumentException("the fingerprint has more than " + MAX_FINGERPRINT_BYTES + " bytes");
        }
        requirePositive("connect timeout", connectTimeout);
        requirePositive("I/O timeout", ioTimeout);
    }

    /** {@code master} is {@code HOST:PORT} (an IPv6 host in brackets: {@code [::1]:29500}); default timeouts. */
    public static TcpConfig of(String master, int worldSize, int rank, String fingerprint) {
        int colon = master == null ? -1 : master.lastIndexOf(':');
        if (colon <= 0 || colon == master.length() - 1) {
            throw new IllegalArgumentException("master '" + master + "' is not HOST:PORT");
        }
        String host = master.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(master.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("master '" + master + "' has no numeric port", e);
        }
        return new TcpConfig(host, port, worldSize, rank, fingerprint, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IO_TIMEOUT);
    }

    /** The same with other timeouts. */
    public TcpConfig withTimeouts(Duration connect, Duration io) {
        return new TcpConfig(masterHost, masterPort, worldSize, rank, fingerprint, connect, io);
    }

    /** {@code HOST:PORT}, as given. */
    public String master() {
        return (masterHost.contains(":") ? "[" + masterHost + "]" : masterHost) + ":" + masterPort;
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " " + d + " is not positive");
    }
}
