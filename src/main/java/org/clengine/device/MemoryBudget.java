package org.clengine.device;

import java.util.function.LongSupplier;
import org.clengine.core.ClEngineException;

/**
 * What one {@link Device} has allocated, against how much it may. Drivers do not fail an allocation past the
 * device's memory gracefully: PoCL's CPU device aborts the whole process ({@code Assertion p->mem_ptr != NULL}),
 * others fail later, at the first launch that touches the buffer. So the engine refuses before it asks: a request
 * that would take the live bytes past the limit gets a {@link ClEngineException} naming the request, what is live
 * and the limit, and nothing is allocated; freeing tensors makes room again. Counts this device object's buffers
 * only (another Device on the same hardware, or another process, is not seen); a CPU device also asks the host what
 * memory is available now. Guarded by the device's lock.
 */
final class MemoryBudget {
    private static final long MIB = 1L << 20;
    /** What a CPU device leaves free of the host's available memory: room for the JVM and the driver to go on. */
    static final long HOST_RESERVE = 256 * MIB;

    private final long limit;
    private final LongSupplier hostAvailable;
    private int liveBuffers;
    private long liveBytes;

    /**
     * @param limit         the most bytes live at once
     * @param hostAvailable for a CPU device, the host memory available now in bytes (−1: unknown); its buffers are
     *                      the host's RAM, which other processes and the JVM share, so the device's global memory
     *                      alone does not say what malloc will give (issue 18's abort came at 8.25 of 21.5 GiB)
     */
    MemoryBudget(long limit, LongSupplier hostAvailable) {
        if (limit <= 0) throw new IllegalArgumentException("memory limit must be positive, got " + limit + " bytes");
        this.limit = limit;
        this.hostAvailable = hostAvailable;
    }

    /** The host's available memory for a CPU device (Linux's MemAvailable), else nothing to ask. */
    static LongSupplier hostAvailable(DeviceInfo info) {
        return info.typeName().equals("cpu") ? MemoryBudget::memAvailable : () -> -1;
    }

    /**
     * MemAvailable from /proc/meminfo in bytes, or −1 where there is none (not Linux). Read on every allocation,
     * so without garbage: the first lines into a small buffer (MemAvailable is the third), parsed by hand.
     */
    static long memAvailable() {
        byte[] head = new byte[512];
        int n;
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/meminfo")) {
            n = in.readNBytes(head, 0, head.length);
        } catch (java.io.IOException | SecurityException e) {
            return -1; // no such file: the device's own limit still holds
        }
        byte[] key = "MemAvailable:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i + key.length <= n; i++) {
            if (i > 0 && head[i - 1] != '\n' || !java.util.Arrays.equals(head, i, i + key.length, key, 0, key.length)) {
                continue;
            }
            long kib = 0;
            for (int j = i + key.length; j < n && head[j] != '\n'; j++) {
                if (head[j] >= '0' && head[j] <= '9') kib = kib * 10 + (head[j] - '0');
            }
            return kib * 1024;
        }
        return -1;
    }

    /**
     * The default limit: the device's global memory less a margin of a sixteenth of it, at least 256 MiB (and at
     * most half). A driver keeps part of the memory it reports for itself: its context (CUDA's alone takes 300–500
     * MiB on a data-centre card), program binaries, and the private and local memory of running kernels; PoCL's
     * CPU device reports most of the host's RAM, in which the JVM's heap and the driver's own allocations live too.
     */
    static long defaultLimit(DeviceInfo info) {
        long global = info.globalMemBytes();
        long margin = Math.min(global / 2, Math.max(256 * MIB, global / 16));
        return Math.max(1, global - margin);
    }

    long limit() {
        return limit;
    }

    int liveBuffers() {
        return liveBuffers;
    }

    long liveBytes() {
        return liveBytes;
    }

    /** Counts {@code bytes} as allocated, or throws if they would pass the limit; {@code device} names it. */
    void reserve(long bytes, String device) {
        if (bytes > limit - liveBytes) {
            throw new ClEngineException("cannot allocate " + bytes + " bytes (" + mib(bytes) + ") on " + device
                    + ": " + liveBytes + " bytes (" + mib(liveBytes) + ") in " + liveBuffers
                    + " buffers are live and the engine's limit for this device is " + limit + " bytes ("
                    + mib(limit) + "); close tensors that are no longer needed");
        }
        long host = hostAvailable.getAsLong();
        if (host >= 0 && bytes > host - HOST_RESERVE) {
            throw new ClEngineException("cannot allocate " + bytes + " bytes (" + mib(bytes) + ") on " + device
                    + ": its memory is the host's, which has " + mib(host) + " available now, and the engine leaves "
                    + mib(HOST_RESERVE) + " of it free (" + mib(liveBytes) + " live on this device)");
        }
        liveBuffers++;
        liveBytes += bytes;
    }

    /** Takes back a reservation whose allocation failed, or a buffer that was released. */
    void release(long bytes) {
        liveBuffers--;
        liveBytes -= bytes;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
}
