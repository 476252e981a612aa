package org.clengine.device;

import org.clengine.core.ClEngineException;

/**
 * What one {@link Device} has allocated, against how much it may. Drivers do not fail an allocation past the
 * device's memory gracefully: PoCL's CPU device aborts the whole process ({@code Assertion p->mem_ptr != NULL}),
 * others fail later, at the first launch that touches the buffer. So the engine refuses before it asks: a request
 * that would take the live bytes past the limit gets a {@link ClEngineException} naming the request, what is live
 * and the limit, and nothing is allocated; freeing tensors makes room again. Counts this device object's buffers
 * only (another Device on the same hardware, or another process, is not seen). Guarded by the device's lock.
 */
final class MemoryBudget {
    private static final long MIB = 1L << 20;

    private final long limit;
    private int liveBuffers;
    private long liveBytes;

    MemoryBudget(long limit) {
        if (limit <= 0) throw new IllegalArgumentException("memory limit must be positive, got " + limit + " bytes");
        this.limit = limit;
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
