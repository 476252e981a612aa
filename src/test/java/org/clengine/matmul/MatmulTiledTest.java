package org.clengine.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;
import org.clengine.matmul.opencl.MatmulTuner;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * matmul_tiled, the GPU family's GEMM: its results do not depend on its tiling (so not on the local size), are
 * bitwise the same run to run, and equal matmul_plain's bit for bit (each element is one fma chain over k in
 * order); the GPU policy takes it and the CPU policy never does; its limits hold.
 */
class MatmulTiledTest {
    /** Odd tilings beside the tuner's: tiles that divide no shape, K blocks of 1 and 5, vectors of 1 and 8. */
    static final List<MatmulTiling> ODD = List.of(new MatmulTiling(6, 12, 5, 3, 2, 2, 2, 0),
            new MatmulTiling(8, 8, 1, 8, 8, 8, 1, 1), new MatmulTiling(16, 64, 7, 4, 8, 1, 8, 1));

    static final List<MatmulCase> CASES = List.of(
            MatmulCase.of("m1n1k1", MatmulParams.DEFAULT),
            MatmulCase.of("m37n19k41tatb", MatmulParams.of(-1.5f, 0.75f)).padded(),
            MatmulCase.of("b3m33n65k129tb", MatmulParams.of(0.5f, 0).withBias(MatmulBias.PER_COLUMN).withRelu(true)),
            MatmulCase.of("b2m70n9k300ta", MatmulParams.of(2, -1).withBias(MatmulBias.PER_ROW)).sharedB(),
            MatmulCase.of("m131n67k257", MatmulParams.of(1, 1)).padded());

    @Test
    void everyTilingGivesPlainsBitsRunAfterRun() {
        long seed = TestBackends.seed();
        MatmulOps device = TestBackends.openCl().matmul();
        List<MatmulTiling> tilings = new ArrayList<>(ODD);
        MatmulTuner.tilings().forEach(p -> tilings.add(p.tiling()));
        for (MatmulCase c : CASES) {
            MatmulVerifier.Inputs in = MatmulVerifier.Inputs.random(c, seed);
            float[] plain = MatmulVerifier.output(device.withPolicy(device.policy().withPath(MatmulPath.PLAIN)), c,
                    in);
            for (MatmulTiling t : tilings) {
                MatmulOps tiled = device.withPolicy(device.policy().withTiling(t).withPath(MatmulPath.TILED));
                String where = c.label() + " " + t.label() + " seed " + seed;
                assertArrayEquals(plain, MatmulVerifier.output(tiled, c, in), where + " differs from matmul_plain");
                assertArrayEquals(plain, MatmulVerifier.output(tiled, c, in), where + " differs on a rerun");
            }
        }
    }

    @Test
    void gpuPolicyTakesTheTiledKernelAndCpuPolicyNever() {
        MatmulPolicy gpu = MatmulPolicy.defaults(KernelFamily.GPU, null);
        assertEquals(MatmulPath.TILED, gpu.pathFor(MatmulShape.parse("m1024n1024k1024")));
        assertEquals(MatmulPath.TILED, gpu.pathFor(MatmulShape.parse("m64n3136k576tb")));
        assertEquals(MatmulPath.PLAIN, gpu.pathFor(MatmulShape.parse("m7n7k7")));
        assertEquals(MatmulPath.PLAIN, gpu.pathFor(MatmulShape.parse("b300m1n1k1048576")), "C too small to tile");
        MatmulPolicy cpu = MatmulPolicy.defaults(KernelFamily.CPU, null);
        for (String d : List.of("m7n7k7", "m1024n1024k1024", "m64n3136k576tb")) {
            assertTrue(cpu.pathFor(MatmulShape.parse(d)) != MatmulPath.TILED, d);
        }
    }

    @Test
    void vendorsGetTheirStartingValues() {
        assertEquals(MatmulTiling.NVIDIA, MatmulPolicy.gpuDefault(device("NVIDIA Corporation")).tiling());
        assertEquals(MatmulTiling.AMD, MatmulPolicy.gpuDefault(device("Advanced Micro Devices, Inc.")).tiling());
        assertEquals(MatmulTiling.INTEL, MatmulPolicy.gpuDefault(device("Intel(R) Corporation")).tiling());
        assertEquals(MatmulTiling.GENERIC, MatmulPolicy.gpuDefault(device("ARM")).tiling());
    }

    @Test
    void tilingsKeepTheirLimits() {
        for (MatmulPolicy p : MatmulTuner.tilings()) {
            assertTrue(p.tiling().liveFloats() <= MatmulTiling.MAX_LIVE_FLOATS, p.tiling().label());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new MatmulTiling(128, 128, 16, 8, 8, 4, 4, 1));
        assertTrue(e.getMessage().contains("live floats"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MatmulTiling(64, 64, 32, 16, 8, 4, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new MatmulTiling(64, 60, 32, 16, 8, 4, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new MatmulTiling(128, 128, 64, 16, 16, 4, 4, 1));
    }

    /**
     * The GPU family's tuner checks each tiling against the reference before timing it: against a reference that is
     * 1% off, every tiling is rejected and the default kept.
     */
    @Test
    void gpuTunerChecksEveryTilingFirst() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MatmulOps wrong = new MatmulOps(Memory.HOST) {
            private final MatmulReference reference = new MatmulReference();

            @Override
            public MatmulPolicy policy() {
                return null;
            }

            @Override
            public MatmulOps withPolicy(MatmulPolicy policy) {
                return this;
            }

            @Override
            protected void gemm(Tensor c, Tensor a, Tensor b, Tensor bias, MatmulShape s, MatmulLayout l,
                    MatmulParams p) {
                MatmulParams off = new MatmulParams(p.alpha() * 1.01f, p.beta(), p.bias(), p.relu());
                reference.gemm(Gemm.of(c, a, b, s).layout(l).params(off).bias(bias));
            }
        };
        var device = TestBackends.device();
        MatmulPolicy got = new MatmulTuner(device, KernelFamily.GPU, wrong, new PrintStream(log, true,
                StandardCharsets.UTF_8), TestBackends.seed(), 1).run();
        assertEquals(MatmulPolicy.defaults(KernelFamily.GPU, device.info()), got);
        long rejected = log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("REJECTED: ")).count();
        assertEquals(MatmulTuner.tilings().size(), rejected, log.toString(StandardCharsets.UTF_8));
    }

    private static DeviceInfo device(String vendor) {
        return new DeviceInfo(0, null, null, "test platform", "OpenCL 3.0 test", "test gpu", vendor, "1.0",
                "OpenCL C 1.2", 4, 1, 1000, 1L << 30, 1 << 16, 1L << 28, 256, false);
    }
}
