package org.clengine.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulTuning;
import org.clengine.matmul.opencl.MatmulTuningStore;
import org.clengine.backend.OpenClBackend;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the engine picks a path and geometry by shape, and how a stored tuning reaches it. */
class MatmulTuningTest {
    static final MatmulTuning CPU = MatmulTuning.cpuDefault();

    @Test
    void pathsByShape() {
        assertEquals(MatmulPath.PLAIN, CPU.pathFor(MatmulShape.parse("m1n1k1")));
        assertEquals(MatmulPath.PLAIN, CPU.pathFor(MatmulShape.parse("m31n32k32")));
        assertEquals(MatmulPath.DIRECT_B, CPU.pathFor(MatmulShape.parse("m64n3136k576")));
        assertEquals(MatmulPath.PACKED, CPU.pathFor(MatmulShape.parse("m64n3136k576tb")), "B transposed is packed");
        assertEquals(MatmulPath.PACKED, CPU.pathFor(MatmulShape.parse("m1024n1024k1024")));
        assertEquals(MatmulPath.PACKED, CPU.withPath(MatmulPath.DIRECT_B).pathFor(MatmulShape.parse("m64n64k64tb")));
    }

    /** Enough work-items for every compute unit: tiles shrink until there are 4 per unit or one register tile. */
    @Test
    void macroTilesShrinkForParallelism() {
        int[] big = CPU.macroTile(MatmulShape.parse("m2048n2048k2048"), 2);
        assertEquals(CPU.mc(), big[0]);
        assertEquals(CPU.nc(), big[1]);
        int[] small = CPU.macroTile(MatmulShape.parse("m256n256k256"), 2);
        assertTrue(Math.ceil(256.0 / small[0]) * Math.ceil(256.0 / small[1]) >= 8, small[0] + "x" + small[1]);
        int[] tiny = CPU.macroTile(MatmulShape.parse("m3n5k7"), 16);
        assertEquals(CPU.mr(), tiny[0]);
        assertEquals(CPU.nr(), tiny[1]);
        int[] rows = CPU.macroTile(MatmulShape.parse("m64n3136k576"), 2);
        assertEquals(64, rows[0], "never taller than the matrix");
    }

    @Test
    void storedTuningRoundTripsAndReachesTheEngine(@TempDir Path dir) throws Exception {
        DeviceInfo info = TestBackends.openCl().device().info();
        MatmulTuning t = new MatmulTuning(12, 16, 2, 120, 256, 512, 1, 4096, 64, MatmulPath.AUTO);
        Path f = MatmulTuningStore.save(dir, info, t, "test");
        assertEquals(t, MatmulTuningStore.load(dir, info).orElseThrow());
        try (Device d = Device.open(info, dir); OpenClBackend b = new OpenClBackend(d)) {
            assertEquals(t, b.matmulTuning());
        }
        Files.writeString(f, "mr=banana\n");
        assertTrue(MatmulTuningStore.load(dir, info).isEmpty(), "a damaged file is ignored");
        try (Device d = Device.open(info, dir); OpenClBackend b = new OpenClBackend(d)) {
            assertEquals(MatmulTuning.forDevice(info), b.matmulTuning());
        }
    }

    /** A tuning on the class path (org/clengine/tunings) serves a device whose cache holds none; a stored one wins. */
    @Test
    void shippedTuningIsTheFallback(@TempDir Path dir) throws Exception {
        DeviceInfo made = new DeviceInfo(0, null, null, "clengine test platform", "OpenCL 3.0 test",
                "shipped-tuning test device", "clengine", "0.0-test", "OpenCL C 1.2", 4, 1, 1000, 1L << 30, 1 << 16,
                1L << 28, 256, false);
        assertEquals("matmul-tuning-7727a961be2c493b.properties",
                MatmulTuningStore.file(dir, made).getFileName().toString());
        MatmulTuning shipped = new MatmulTuning(4, 8, 2, 64, 128, 256, 1, 1234, 32, MatmulPath.AUTO);
        assertEquals(shipped, MatmulTuningStore.load(dir, made).orElseThrow());
        MatmulTuning own = new MatmulTuning(12, 16, 2, 120, 256, 512, 1, 4096, 64, MatmulPath.AUTO);
        MatmulTuningStore.save(dir, made, own, "test");
        assertEquals(own, MatmulTuningStore.load(dir, made).orElseThrow(), "the user's own tuning wins");
        DeviceInfo other = new DeviceInfo(0, null, null, "clengine test platform", "OpenCL 3.0 test",
                "shipped-tuning test device", "clengine", "0.1-test", "OpenCL C 1.2", 4, 1, 1000, 1L << 30, 1 << 16,
                1L << 28, 256, false);
        assertTrue(MatmulTuningStore.load(dir, other).isEmpty(), "another driver version has no tuning");
    }
}
