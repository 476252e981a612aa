package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

class CeilingsTest {

    /** peak_fma computes what its twin computes, bit for bit: the steps the peak counts are really done. */
    @Test
    void peakKernelMatchesItsTwin() {
        Device d = TestBackends.openCl().device();
        Ceilings.FmaLaunch l = Ceilings.FmaLaunch.forDevice(d.info());
        int iters = 37;
        try (DeviceBuffer out = d.allocate(l.items() * Float.BYTES)) {
            Ceilings.launch(d, out, l, iters);
            float[] got = new float[(int) l.items()];
            d.read(out, got);
            for (int item = 0; item < got.length; item += Math.max(1, got.length / 64)) {
                assertEquals(Ceilings.expected(item, iters), got[item], 0f, "out[" + item + "] after " + iters
                        + " steps");
            }
        }
    }

    /** One short measurement: a positive, finite rate from launches that took measurable time. */
    @Test
    void peakIsMeasured() {
        Ceilings.FmaPeak p = Ceilings.fmaPeak(TestBackends.openCl().device(), 2, 0.02);
        assertTrue(p.gflops() > 0 && Double.isFinite(p.gflops()), "peak " + p);
        assertTrue(p.bestMs() > 2, "launches too short to time: " + p);
    }
}
