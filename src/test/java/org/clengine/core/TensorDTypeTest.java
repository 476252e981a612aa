package org.clengine.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** 16-bit tensors on the host and on the device: storage, rounding on the way in, the raw form, views, fill. */
class TensorDTypeTest {

    /** Where: "host" or "device" (the device itself is no argument: JUnit would close it after the case). */
    static Stream<Arguments> memories() {
        return Stream.of(DType.F16, DType.BF16).flatMap(d -> Stream.of(Arguments.of("host", d),
                Arguments.of("device", d)));
    }

    private static Memory memory(String where) {
        return where.equals("host") ? Memory.HOST : TestBackends.device();
    }

    /** Random values of every magnitude, infinities, NaN and values past F16's range. */
    private static float[] values(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat(r.nextInt());
        v[0] = 70000f; // past F16's largest finite: infinity, never a clamp to 65504
        v[1] = Float.NaN;
        v[2] = -0f;
        v[3] = 65519f; // rounds down to 65504
        return v;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("memories")
    void floatsAreRoundedOnceAndBitsKept(String where, DType dtype) {
        Memory memory = memory(where);
        long seed = TestBackends.seed();
        float[] v = values(seed, 1031);
        try (TensorScope scope = new TensorScope(memory)) {
            Tensor t = scope.tensor(dtype, v, 1031);
            assertEquals(dtype, t.dtype());
            float[] back = t.toArray();
            short[] bits = t.toBits();
            for (int i = 0; i < v.length; i++) {
                short want = dtype.toBits(v[i]);
                assertEquals(want, bits[i], "seed " + seed + " element " + i + " = " + v[i]);
                assertEquals(Float.floatToIntBits(dtype.fromBits(want)), Float.floatToIntBits(back[i]),
                        "seed " + seed + " element " + i);
            }
            if (dtype == DType.F16) {
                assertEquals(Float.POSITIVE_INFINITY, back[0], "70000 in F16");
                assertEquals(65504f, back[3], "65519 in F16");
            }
            assertTrue(Float.isNaN(back[1]), "NaN kept");
            assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(back[2]), "-0 kept");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("memories")
    void rawBitsGoInAsTheyAreAndViewsKeepTheDType(String where, DType dtype) {
        Memory memory = memory(where);
        short[] bits = new short[65536];
        for (int i = 0; i < bits.length; i++) bits[i] = (short) i;
        try (TensorScope scope = new TensorScope(memory)) {
            Tensor t = scope.full(dtype, 3f, 256, 256);
            t.copyFromBits(bits);
            Tensor view = t.view(65536);
            assertEquals(dtype, view.dtype());
            short[] back = view.toBits();
            float[] floats = view.toArray();
            for (int i = 0; i < bits.length; i++) {
                // the device stores the raw patterns as they are; the host keeps floats, so a signaling NaN pattern
                // comes back quiet there (the NaN's class, sign and payload are kept)
                boolean nan = Float.isNaN(dtype.fromBits(bits[i]));
                short quiet = (short) (bits[i] | (dtype == DType.F16 ? 0x200 : 0x40));
                assertEquals(nan && memory == Memory.HOST ? quiet : bits[i], back[i], "pattern " + i);
                float want = dtype.fromBits(bits[i]);
                assertTrue(Float.floatToIntBits(want) == Float.floatToIntBits(floats[i]),
                        "pattern " + Integer.toHexString(i) + " widened to " + floats[i] + ", expected " + want);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("memories")
    void fullRoundsItsValue(String where, DType dtype) {
        Memory memory = memory(where);
        try (TensorScope scope = new TensorScope(memory)) {
            float[] got = scope.full(dtype, 0.1f, 3, 5).toArray();
            float[] want = new float[15];
            java.util.Arrays.fill(want, dtype.round(0.1f));
            assertArrayEquals(want, got);
            assertTrue(want[0] != 0.1f, "0.1 is not exact in " + dtype);
        }
    }
}
