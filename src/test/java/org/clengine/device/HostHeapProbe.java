package org.clengine.device;

import org.clengine.core.ClEngineException;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/** Run by MemoryBudgetTest in a JVM with a small heap: a host tensor past it is refused, and the JVM goes on. */
public final class HostHeapProbe {
    private HostHeapProbe() {
    }

    public static void main(String[] args) {
        try {
            Memory.HOST.full(0f, 1 << 26); // 256 MiB
            System.out.println("allocated");
        } catch (ClEngineException e) {
            System.out.println("refused: " + e.getMessage());
        }
        try (Tensor t = Memory.HOST.full(1f, 3)) {
            System.out.println("still usable: " + t.toArray()[2]);
        }
    }
}
