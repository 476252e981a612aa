package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.clengine.core.HalfFloats;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * kernels/act16.clh's 16-bit stores: STORE16 and STORE8 (bf16 writes through an alignment-2 vector type, a PoCL
 * workaround) give the bits of the host's conversion ({@link HalfFloats}), as STORE1 does, at every misalignment,
 * and write nothing outside their values (F16 NaN: any NaN, see {@link #isF16NaN}). Inputs: random floats of all magnitudes from a logged seed, plus the cases a
 * rounding gets wrong first (ties both ways, NaN payloads, infinities, the largest finite values, subnormals, -0).
 */
class Act16StoreTest {
    private static final KernelBinding PROBE = KernelBinding.of("act16_probe.cl", "act16_store_probe",
            KernelBinding.buffer("y"), KernelBinding.buffer("x"), KernelBinding.i32("n"), KernelBinding.i32("at"),
            KernelBinding.i32("width"));
    private static final short POISON = (short) 0x7ebd;

    @Test
    void everyWidthWritesTheHostsBitsAtEveryOffset() {
        long seed = TestBackends.seed();
        float[] x = inputs(new Random(seed));
        Device d = TestBackends.device();
        for (int act = 1; act <= 2; act++) {
            for (int width : new int[] {16, 8, 1}) {
                for (int at = 0; at < 17; at++) {
                    short[] got = run(d, act, x, at, width);
                    for (int i = 0; i < got.length; i++) {
                        int k = i - at;
                        short want = k >= 0 && k < x.length ? expected(act, x[k]) : POISON;
                        if (act == 1 && isF16NaN(want) && isF16NaN(got[i])) continue;
                        int a = act, w = width, o = at;
                        assertEquals(want, got[i], () -> (a == 1 ? "F16" : "BF16") + " width " + w + " offset " + o
                                + ": value " + k + " (" + (k >= 0 && k < x.length ? Float.toString(x[k]) : "outside")
                                + ") written wrong (seed " + seed + ")");
                    }
                }
            }
        }
    }

    /**
     * Any binary16 NaN: PoCL's one-value vstore_half_rte writes 0x7fff for some NaN inputs where the vector one
     * (vcvtps2ph) and the host keep the payload's top bits; NaN stays NaN, which is what the kernels promise for F16.
     * BF16 is the engine's own rounding, compared bit for bit, NaN included.
     */
    private static boolean isF16NaN(short h) {
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    }

    private static short expected(int act, float v) {
        return act == 1 ? HalfFloats.toF16(v) : HalfFloats.toBf16(v);
    }

    /** The probe's output: x stored from element {@code at} of a poisoned buffer 32 values longer than x. */
    private static short[] run(Device d, int act, float[] x, int at, int width) {
        short[] out = new short[x.length + 32];
        java.util.Arrays.fill(out, POISON);
        try (DeviceBuffer y = d.allocate(2L * out.length); DeviceBuffer in = d.allocate(4L * x.length)) {
            d.write(y, out);
            d.write(in, x);
            d.launch(PROBE, "-DACT=" + act, new long[] {1}, new long[] {1}, y, in, x.length, at, width);
            d.read(y, out);
        }
        return out;
    }

    /** 16·k + 8 + 3 values (every store width used), the special cases first. */
    private static float[] inputs(Random r) {
        List<Float> v = new ArrayList<>();
        int[] bits = {0x3f808000, 0x3f818000, 0x3f807fff, 0x3f808001, 0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f800000,
            0xff800000, 0x7f800001, 0xffc00000, 0x7fbfffff, 0x00000001, 0x807fffff, 0x80000000, 0x00000000, 0x477ff000,
            0x477fefff, 0x387fc000, 0x33800000, 0x33000000, 0x477fe000};
        for (int b : bits) v.add(Float.intBitsToFloat(b));
        while (v.size() < 16 * 40 + 8 + 3) {
            v.add(Float.intBitsToFloat(r.nextInt()));
            v.add((float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6)));
        }
        float[] x = new float[16 * 40 + 8 + 3];
        for (int i = 0; i < x.length; i++) x[i] = v.get(i);
        return x;
    }
}
