package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clengine.core.ClEngineException;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.Tensor;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;

class DeviceTest {

    /** 10,000 allocate/release cycles of tensors leave no live buffers and no resident-memory growth. */
    @Test
    void allocateReleaseCyclesDoNotLeak() throws IOException {
        OpenClBackend b = TestBackends.openCl();
        Device d = b.device();
        float[] data = new float[1 << 16];
        cycles(b, data, 1000); // warm: allocator pools, JIT
        int buffers = d.liveBuffers();
        long rss = residentKib();
        cycles(b, data, 10_000);
        long grown = residentKib() - rss;
        assertEquals(buffers, d.liveBuffers(), "live buffers after 10,000 cycles");
        assertTrue(grown < 32 * 1024, "resident memory grew by " + grown + " KiB over 10,000 cycles of 256 KiB");
    }

    private static void cycles(OpenClBackend b, float[] data, int n) {
        for (int i = 0; i < n; i++) {
            try (Tensor t = b.tensor(data, data.length); Tensor u = b.full(1f, 7, 3)) {
                if (i % 1000 == 0) assertEquals(1f, u.toArray()[20]);
            }
        }
        b.finish();
    }

    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void closedBuffersAndDevicesSayWhat() {
        Device d = Device.open(TestBackends.openCl().device().info());
        DeviceBuffer buffer = d.allocate(64);
        buffer.close();
        buffer.close(); // twice is harmless
        assertTrue(assertThrows(ClEngineException.class, buffer::mem).getMessage().contains("is closed"));
        d.close();
        d.close();
        assertTrue(assertThrows(ClEngineException.class, () -> d.allocate(64)).getMessage().contains("is closed"));
    }

    @Test
    void allocationBeyondTheDeviceLimitNamesTheSizes() {
        Device d = TestBackends.openCl().device();
        long tooMuch = d.info().maxAllocBytes() + 4096;
        var e = assertThrows(ClEngineException.class, () -> d.allocate(tooMuch));
        assertTrue(e.getMessage().contains(Long.toString(tooMuch)) && e.getMessage().contains("largest single"),
                e.getMessage());
        try (Tensor t = TestBackends.openCl().full(2f, 3)) { // still usable afterwards
            assertArrayEquals(new float[] {2, 2, 2}, t.toArray());
        }
    }

    @Test
    void buildFailureCarriesFileOptionsAndLog() {
        Device d = TestBackends.openCl().device();
        var e = assertThrows(KernelBuildException.class,
                () -> d.kernel("broken_for_test.cl", "broken_for_test", "-DWHATEVER=1"));
        assertTrue(e.getMessage().contains("kernels/broken_for_test.cl") && e.getMessage().contains("-DWHATEVER=1"),
                e.getMessage());
        assertTrue(e.buildLog().contains("undeclared_identifier_for_test"), e.buildLog());
    }

    @Test
    void copyMatchesTheReferenceForEverySizeModuloFour() {
        OpenClBackend b = TestBackends.openCl();
        RandomFill r = new RandomFill(TestBackends.seed());
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 4096, 4099, 1 << 20}) {
            float[] data = r.normal(n);
            try (Tensor src = b.tensor(data, n); Tensor dst = b.full(Float.NaN, n)) {
                b.elementwise().copy(dst, src);
                assertArrayEquals(data, dst.toArray(), "copy of " + n);
            }
        }
    }

    /** Device choice on made-up devices: no OpenCL needed. */
    @Test
    void choiceFollowsSpecAndRanking() {
        List<DeviceInfo> ds = List.of(fake(0, "PoCL cpu", org.jocl.CL.CL_DEVICE_TYPE_CPU, 2),
                fake(1, "Small GPU", org.jocl.CL.CL_DEVICE_TYPE_GPU, 10),
                fake(2, "NVIDIA H100", org.jocl.CL.CL_DEVICE_TYPE_GPU, 132));
        assertEquals(2, DeviceManager.choose(ds, null, "test").device().index());
        assertEquals(2, DeviceManager.choose(ds, "gpu", "test").device().index());
        assertEquals(1, DeviceManager.choose(ds, "gpu:1", "test").device().index());
        assertEquals(0, DeviceManager.choose(ds, "cpu", "test").device().index());
        assertEquals(1, DeviceManager.choose(ds, "#1", "test").device().index());
        assertEquals(2, DeviceManager.choose(ds, "h100", "test").device().index());
        var e = assertThrows(IllegalArgumentException.class, () -> DeviceManager.choose(ds, "gpu:5", "test"));
        assertTrue(e.getMessage().contains("no OpenCL device matches 'gpu:5'") && e.getMessage().contains("H100"));
        assertThrows(IllegalArgumentException.class, () -> DeviceManager.choose(ds, "gpu:x", "test"));
    }

    private static DeviceInfo fake(int index, String name, long type, int units) {
        return new DeviceInfo(index, null, null, "platform", "OpenCL 3.0", name, "vendor", "1.0", "OpenCL C 1.2",
                type, units, 1000, 1L << 30, 65536, 1L << 28, 256, true);
    }
}
