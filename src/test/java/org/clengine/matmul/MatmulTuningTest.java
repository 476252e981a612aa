package org.clengine.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.clengine.backend.LaunchPolicy;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;
import org.clengine.matmul.opencl.MatmulTuningStore;
import org.clengine.testing.TestBackends;
import org.clengine.verify.RandomFill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the engine picks a path and geometry by shape, and how a stored tuning reaches it. */
class MatmulTuningTest {
    static final MatmulPolicy CPU = MatmulPolicy.cpuDefault();

    @Test
    void pathsByShape() {
        assertEquals(MatmulPath.PLAIN, CPU.pathFor(MatmulShape.parse("m1n1k1")));
        assertEquals(MatmulPath.PLAIN, CPU.pathFor(MatmulShape.parse("m31n32k32")));
        assertEquals(MatmulPath.DIRECT_B, CPU.pathFor(MatmulShape.parse("m64n3136k576")));
        assertEquals(MatmulPath.DIRECT_AB, CPU.pathFor(MatmulShape.parse("m256n256k256")), "SMALL: one launch");
        assertEquals(MatmulPath.PACKED, CPU.pathFor(MatmulShape.parse("m256n256k256tb")));
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

    /** The shapes issue #19 names fall in their classes; the square ones from 1024³ up in none. */
    @Test
    void shapeClasses() {
        assertEquals(MatmulShapeClass.SMALL, MatmulShapeClass.of(MatmulShape.parse("m256n256k256")));
        assertEquals(MatmulShapeClass.SHORT_K, MatmulShapeClass.of(MatmulShape.parse("m576n3136k64")));
        assertEquals(MatmulShapeClass.SHORT_M, MatmulShapeClass.of(MatmulShape.parse("m64n3136k576")));
        assertEquals(MatmulShapeClass.GENERAL, MatmulShapeClass.of(MatmulShape.parse("m1024n1024k1024")));
        assertEquals(MatmulShapeClass.GENERAL, MatmulShapeClass.of(MatmulShape.parse("m2048n2048k2048")));
        for (MatmulShapeClass c : MatmulShapeClass.values()) assertEquals(c, MatmulShapeClass.of(c.timed()));
    }

    /** A class's blocks decide its shapes' path and macro tile, and no other shape's. */
    @Test
    void classBlocksApplyToTheirClassOnly() {
        MatmulPolicy p = CPU.withClass(MatmulShapeClass.SHORT_K, new MatmulPolicy.Blocks(64, 256, 512, 1 << 20));
        MatmulShape shortK = MatmulShape.parse("m576n3136k64"), square = MatmulShape.parse("m1024n1024k1024");
        assertEquals(MatmulPath.PACKED, CPU.pathFor(shortK), "M 576 is past the policy-wide B-in-place bound");
        assertEquals(MatmulPath.DIRECT_B, p.pathFor(shortK));
        assertEquals(512, p.blocksFor(shortK).kc());
        assertEquals(64, p.macroTile(shortK, 2)[0]);
        assertEquals(CPU.pathFor(square), p.pathFor(square));
        assertArrayEquals(CPU.macroTile(square, 2), p.macroTile(square, 2));
        assertEquals(CPU.blocks(), p.blocksFor(square));
        assertTrue(p.label().endsWith(",short_k:mc64nc256kc512b1048576"), p.label());
        assertThrows(IllegalArgumentException.class, () -> CPU.withClass(MatmulShapeClass.SMALL,
                new MatmulPolicy.Blocks(12, 32, 256, 0)), "mc not a multiple of mr");
        assertThrows(IllegalArgumentException.class, () -> new MatmulPolicy.Blocks(8, 32, 0, 0));
        assertTrue(p.withTile(6, 16, 4, 126, 128, 256).classes().isEmpty(), "blocks belong to the old tile");
        assertEquals(p.classes(), p.withPath(MatmulPath.PACKED).withBlocks(16, 64, 128).classes());
    }

    /**
     * The kernel runs with the class's K block, not the policy's: C is rounded to fp32 between K blocks, so a
     * class with kc 7 gives the bits of a policy-wide kc 7 and not those of the default's 256.
     */
    @Test
    void classBlocksReachTheKernel() {
        MatmulShape s = MatmulShape.parse("m7n93k257");
        MatmulPolicy d = TestBackends.openCl().matmul().policy();
        MatmulPolicy.Blocks b = d.blocks();
        long seed = TestBackends.seed();
        float[] wide = run(d.withBlocks(b.mc(), b.nc(), 7), s, seed), def = run(d, s, seed);
        float[] byClass = run(d.withClass(MatmulShapeClass.of(s), new MatmulPolicy.Blocks(b.mc(), b.nc(), 7,
                b.directBMaxM())), s, seed);
        assertFalse(Arrays.equals(wide, def), "kc 7 and the default's K block round alike here: no evidence");
        assertArrayEquals(wide, byClass, "seed=" + seed);
    }

    private static float[] run(MatmulPolicy p, MatmulShape s, long seed) {
        RandomFill r = new RandomFill(seed);
        MatmulOps ops = TestBackends.openCl().matmul().withPolicy(p.withPath(MatmulPath.PACKED));
        try (TensorScope scope = new TensorScope(TestBackends.device())) {
            Tensor a = scope.tensor(r.normal(s.m() * s.k()), s.m() * s.k());
            Tensor b = scope.tensor(r.normal(s.k() * s.n()), s.k() * s.n());
            Tensor c = scope.full(Float.NaN, s.m() * s.n());
            ops.gemm(Gemm.of(c, a, b, s));
            return c.toArray();
        }
    }

    /** Each family's defaults, and the kernels' compile-time values built from them (PACK_K as the kernel's own). */
    @Test
    void defaultsAndBuildOptions() {
        assertEquals(CPU, MatmulPolicy.defaults(KernelFamily.CPU, null));
        assertEquals(MatmulPolicy.gpuDefault(), MatmulPolicy.defaults(KernelFamily.GPU, null));
        assertEquals("-DMR=8 -DVW=16 -DNV=2 -DPACK_K=64", CPU.options());
        assertEquals(1, CPU.plainLocalM());
        assertEquals(8, MatmulPolicy.gpuDefault().plainLocalM());
        assertThrows(IllegalArgumentException.class, () -> CPU.withPackK(0));
        assertThrows(IllegalArgumentException.class, () -> CPU.withBlocks(12, 32, 256), "mc not a multiple of mr");
    }

    /** A policy is a value: the device's ops with another one are a new object, and the old one keeps its own. */
    @Test
    void withPolicyChangesNothingShared() {
        MatmulOps device = TestBackends.openCl().matmul();
        MatmulPolicy before = device.policy();
        MatmulOps plain = device.withPolicy(before.withPath(MatmulPath.PLAIN));
        assertEquals(MatmulPath.PLAIN, plain.policy().path());
        assertEquals(before, device.policy());
        assertEquals(device.memory(), plain.memory());
        MatmulOps reference = TestBackends.REFERENCE.matmul();
        assertEquals(reference, reference.withPolicy(CPU), "the reference has one path");
    }

    @Test
    void storedTuningRoundTripsAndReachesTheEngine(@TempDir Path dir) throws Exception {
        DeviceInfo info = TestBackends.device().info();
        MatmulPolicy t = MatmulTuningStore.base(info).withTile(12, 16, 2, 120, 256, 512).withLocal(1)
                .withPlainBelow(4096).withDirectBMaxM(64)
                .withClass(MatmulShapeClass.SHORT_K, new MatmulPolicy.Blocks(60, 64, 128, 1 << 20));
        Path f = MatmulTuningStore.save(dir, info, t, "test");
        assertEquals(t, MatmulTuningStore.load(dir, info).orElseThrow());
        // a stored tuning serves the device's own family; a forced other family keeps its defaults
        boolean own = KernelFamily.of(info) == (info.typeName().equals("cpu") ? KernelFamily.CPU : KernelFamily.GPU);
        MatmulPolicy builtIn = MatmulPolicy.defaults(KernelFamily.of(info), info);
        try (Device d = Device.open(info, dir)) {
            assertEquals(own ? t : builtIn, LaunchPolicy.forDevice(d).matmul());
        }
        Files.writeString(f, "mr=banana\n");
        assertTrue(MatmulTuningStore.load(dir, info).isEmpty(), "a damaged file is ignored");
        try (Device d = Device.open(info, dir)) {
            assertEquals(builtIn, LaunchPolicy.forDevice(d).matmul());
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
        // type 4 is CL_DEVICE_TYPE_GPU: the file's values over the GPU defaults
        MatmulPolicy shipped = MatmulPolicy.gpuDefault().withTile(4, 8, 2, 64, 128, 256).withLocal(1)
                .withPlainBelow(1234).withDirectBMaxM(32);
        assertEquals(shipped, MatmulTuningStore.load(dir, made).orElseThrow());
        MatmulPolicy own = shipped.withTile(12, 16, 2, 120, 256, 512).withPlainBelow(4096).withDirectBMaxM(64);
        MatmulTuningStore.save(dir, made, own, "test");
        assertEquals(own, MatmulTuningStore.load(dir, made).orElseThrow(), "the user's own tuning wins");
        DeviceInfo other = new DeviceInfo(0, null, null, "clengine test platform", "OpenCL 3.0 test",
                "shipped-tuning test device", "clengine", "0.1-test", "OpenCL C 1.2", 4, 1, 1000, 1L << 30, 1 << 16,
                1L << 28, 256, false);
        assertTrue(MatmulTuningStore.load(dir, other).isEmpty(), "another driver version has no tuning");
    }
}
