package org.clengine.distributed;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test support: ranks of a {@link TcpCollective} on 127.0.0.1, as threads, and the data they exchange. */
final class TcpRanks {
    static final Duration CONNECT = Duration.ofSeconds(20);

    /** What one rank does once connected; returns what the test compares. */
    interface Body<T> {
        T run(TcpCollective c) throws Exception;
    }

    /** A rank's outcome: its value, or what it threw. */
    record Outcome<T>(T value, Throwable error) {
        String message() {
            return error == null ? "(no error)" : error.getMessage();
        }
    }

    private TcpRanks() {
    }

    /** A port free a moment ago (the kernel's ephemeral choice): nothing else in the test binds it. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static TcpConfig config(int port, int world, int rank, String fingerprint, Duration io) {
        return new TcpConfig("127.0.0.1", port, world, rank, fingerprint, CONNECT, io);
    }

    /** Runs one thread per config, each connecting then running body; fails the test if any runs past limit. */
    static <T> List<Outcome<T>> threads(List<TcpConfig> configs, Body<T> body, Duration limit) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(configs.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (TcpConfig c : configs) {
                futures.add(pool.submit(() -> {
                    try (TcpCollective tc = TcpCollective.connect(c)) {
                        return body.run(tc);
                    }
                }));
            }
            long end = System.nanoTime() + limit.toNanos();
            List<Outcome<T>> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(new Outcome<>(f.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS), null));
                } catch (ExecutionException e) {
                    out.add(new Outcome<>(null, e.getCause()));
                } catch (TimeoutException e) {
                    throw new AssertionError("a rank hung past " + limit + " (configs " + configs + ")");
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static List<TcpConfig> world(int port, int n, Duration io) {
        List<TcpConfig> c = new ArrayList<>();
        for (int r = 0; r < n; r++) c.add(config(port, n, r, "cnn:test", io));
        return c;
    }

    /** Rank r's data at step s: values of very different magnitudes, so that the order of the sum shows in the bits. */
    static float[] data(long seed, int rank, int step, int n) {
        Random rnd = new Random(seed * 1_000_003L + rank * 7919L + step);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
        return x;
    }

    /** The rank-order sum of every rank's step data: what every transport must give, bit for bit. */
    static float[] expectedSum(long seed, int world, int step, int n) {
        float[][] parts = new float[world][];
        for (int r = 0; r < world; r++) parts[r] = data(seed, r, step, n);
        float[] out = new float[n];
        RankOrder.sum(parts, out);
        return out;
    }

}
