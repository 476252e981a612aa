package org.clengine.testing;

import java.lang.reflect.Method;

/**
 * Bytes a thread has allocated on the heap (HotSpot's {@code com.sun.management.ThreadMXBean}): how the tests show
 * that a size read from a file was refused before anything of that size was allocated. Reached by reflection
 * because the tests compile inside the engine's module, which does not read java.management.
 */
public final class Allocations {
    private static final Object BEAN;
    private static final Method ALLOCATED;

    static {
        try {
            BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes",
                    long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Allocations() {
    }

    /** Bytes allocated so far by {@code thread}. */
    public static long allocatedBy(Thread thread) {
        try {
            return (Long) ALLOCATED.invoke(BEAN, thread.getId());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes allocated so far by the calling thread. */
    public static long allocated() {
        return allocatedBy(Thread.currentThread());
    }
}
