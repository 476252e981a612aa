package org.clengine.distributed;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.zip.CRC32;

/**
 * One rank as a process of its own, for {@link TcpProcessTest}: {@code PORT WORLD RANK STEPS N SEED PAUSE_MS}. Runs
 * STEPS all-reduces of {@link TcpRanks#data}, prints {@code bits <crc>} of all results, then sleeps PAUSE_MS (to be
 * killed there, mid-run) and runs one more. A collective failure prints {@code error <message>} and exits 3.
 */
public final class TcpRankMain {
    private TcpRankMain() {
    }

    public static void main(String[] a) throws Exception {
        int world = Integer.parseInt(a[1]);
        int rank = Integer.parseInt(a[2]);
        int steps = Integer.parseInt(a[3]);
        int n = Integer.parseInt(a[4]);
        long seed = Long.parseLong(a[5]);
        long pause = Long.parseLong(a[6]);
        TcpConfig c = new TcpConfig("127.0.0.1", Integer.parseInt(a[0]), world, rank, "cnn:test",
                Duration.ofSeconds(30), Duration.ofSeconds(30));
        try (TcpCollective tc = TcpCollective.connect(c)) {
            System.out.println("bits " + run(tc, steps, n, seed));
            System.out.flush();
            if (pause > 0) {
                Thread.sleep(pause);
                tc.allReduceSum(new float[n]);
            }
        } catch (CollectiveException e) {
            System.out.println("error " + e.getMessage());
            System.exit(3);
        }
    }

    /** CRC-32 of the bits of every step's sum, in step order. */
    static long run(Collective c, int steps, int n, long seed) {
        CRC32 crc = new CRC32();
        for (int step = 0; step < steps; step++) {
            float[] x = TcpRanks.data(seed, c.rank(), step, n);
            c.allReduceSum(x);
            ByteBuffer b = ByteBuffer.allocate(4 * n);
            b.asFloatBuffer().put(x);
            crc.update(b);
        }
        return crc.getValue();
    }

    static long expected(int world, int steps, int n, long seed) {
        CRC32 crc = new CRC32();
        for (int step = 0; step < steps; step++) {
            ByteBuffer b = ByteBuffer.allocate(4 * n);
            b.asFloatBuffer().put(TcpRanks.expectedSum(seed, world, step, n));
            crc.update(b);
        }
        return crc.getValue();
    }
}
