package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.ClEngineException;
import org.clengine.core.Tensor;
import org.clengine.testing.ChildJvm;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * Device memory runs out as an exception, never as a driver abort (issue 18: the 33rd 256 MiB tensor made PoCL
 * abort the JVM). A device opened with a 64 MiB limit stands in for a full one, so the test allocates little.
 */
class MemoryBudgetTest {
    private static final long MIB = 1 << 20;

    @Test
    void allocationPastTheLimitIsRefusedAndFreeingMakesRoom() {
        Device shared = TestBackends.device();
        try (Device d = Device.open(shared.info(), shared.programs().directory(), LaunchListener.NONE, 64 * MIB)) {
            assertEquals(64 * MIB, d.memoryLimit());
            List<Tensor> held = new ArrayList<>();
            ClEngineException refused = null;
            for (int i = 0; i < 100 && refused == null; i++) {
                try {
                    held.add(d.full(1f, 2 * (int) MIB)); // 8 MiB each
                } catch (ClEngineException e) {
                    refused = e;
                }
            }
            assertEquals(8, held.size(), "eight 8 MiB tensors fill 64 MiB");
            String m = String.valueOf(refused.getMessage());
            assertTrue(m.contains("cannot allocate 8388608 bytes") && m.contains("67108864 bytes (64.0 MiB) in 8 "
                    + "buffers are live") && m.contains("limit for this device is 67108864 bytes"), m);
            assertEquals(64 * MIB, d.liveBytes(), "a refused allocation counts nothing");

            held.remove(0).close();
            try (Tensor again = d.tensor(new float[] {1, 2, 3}, 3)) { // room again, and the device still works
                assertArrayEquals(new float[] {1, 2, 3}, again.toArray());
            }
            held.forEach(Tensor::close);
            assertEquals(0, d.liveBytes());
        }
    }

    /** An op whose scratch is refused fails cleanly, and runs once memory is freed; its scratch map stays sane. */
    @Test
    void anOpRefusedItsScratchRecovers() {
        Device shared = TestBackends.device();
        try (Device d = Device.open(shared.info(), shared.programs().directory(), LaunchListener.NONE, 16 * MIB)) {
            OpenClBackend b = new OpenClBackend(d);
            try (Tensor logits = b.full(0.5f, 1000, 10); Tensor labels = b.full(1f, 1000);
                    Tensor result = b.full(0f, 2)) {
                Tensor filler = b.full(0f, (int) ((d.memoryLimit() - d.liveBytes()) / Float.BYTES));
                assertThrows(ClEngineException.class, () -> b.loss().softmaxCrossEntropy(result, logits, labels));
                filler.close();
                b.loss().softmaxCrossEntropy(result, logits, labels);
                assertEquals((float) Math.log(10), result.toArray()[0], 1e-5f);
            }
        }
    }

    /**
     * The reference's tensors are Java arrays: one larger than the heap is the engine's exception, not an
     * OutOfMemoryError, and the JVM goes on (a child JVM with a 64 MiB heap asks for 256 MiB).
     */
    @Test
    void aHostTensorPastTheHeapIsRefused() throws Exception {
        ChildJvm.Result r = ChildJvm.run(HostHeapProbe.class, Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m"));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("refused: cannot allocate 67108864 floats (256 MiB) on the host: the JVM's heap "
                + "holds at most") && r.output().contains("still usable: 1.0"), r.output());
    }

    /**
     * A CPU device's buffers are the host's RAM: past what the host has available now (less a reserve) is refused
     * too, whatever the device's limit (issue 18's PoCL abort came at 8.25 GiB of a reported 21.5).
     */
    @Test
    void aCpuDeviceLeavesTheHostsMemoryAReserve() {
        long[] available = {1024 * MIB};
        MemoryBudget b = new MemoryBudget(1L << 40, () -> available[0]);
        b.reserve(512 * MIB, "cpu");
        var e = assertThrows(ClEngineException.class, () -> b.reserve(769 * MIB, "cpu"));
        assertTrue(e.getMessage().contains("its memory is the host's, which has 1024.0 MiB available now, and the "
                + "engine leaves 256.0 MiB of it free"), e.getMessage());
        assertEquals(512 * MIB, b.liveBytes());
        b.reserve(768 * MIB, "cpu");
        available[0] = -1; // unknown (not Linux): only the limit counts
        b.reserve(4096 * MIB, "cpu");
        assertTrue(MemoryBudget.memAvailable() != 0);
    }

    @Test
    void theDefaultLimitKeepsAMargin() {
        DeviceInfo info = TestBackends.device().info();
        long limit = MemoryBudget.defaultLimit(info);
        long margin = info.globalMemBytes() - limit;
        assertTrue(margin >= Math.min(256 * MIB, info.globalMemBytes() / 2) && margin >= info.globalMemBytes() / 16
                || margin == info.globalMemBytes() / 2, "margin " + margin + " of " + info.globalMemBytes());
        assertEquals(limit, TestBackends.device().memoryLimit());
    }
}
