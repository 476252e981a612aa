package org.clengine.conv2d.opencl;

import static org.clengine.conv2d.Conv2dKernel.FWD_DEPTHWISE_TILE;

import org.clengine.conv2d.Conv2dDepthwise;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.device.DeviceBuffer;

/**
 * The GPU family's forward row kernel, conv2d_fwd_depthwise_tile: one work-group per tile of outputs of one channel,
 * its input patch staged in __local memory ({@link Conv2dDepthwise}). Kept apart from the paths' dispatch, which
 * asks it first wherever the row kernels run.
 */
final class DepthwiseTiles {
    private DepthwiseTiles() {
    }

    /**
     * Launches the tile kernel for images n0 … n0+nb−1 when the policy walks tiles and the shape's patch and tile fit
     * the policy and the device; false (nothing launched) when the row kernel must run instead.
     */
    static boolean launch(Conv2dDevice cl, DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias,
            Conv2dShape s, int n0, int nb, int yOff) {
        Conv2dDepthwise d = cl.policy.depthwise();
        long patch = d.patch(s);
        if (d.walk() != Conv2dDepthwise.Walk.TILES || patch > d.patchFloats()) return false;
        // the __local array rounded up to a power of two: one program serves many strides and dilations
        long local = Math.min(d.patchFloats(), Long.highestOneBit(Math.max(1, patch - 1)) * 2);
        String options = Conv2dDevice.forwardOptions(bias != null, s) + " " + cl.taps(s) + " -DTP=" + d.tileP()
                + " -DTQ=" + d.tileQ() + " -DPATCH=" + Math.max(local, patch);
        long group = (long) d.tileP() * d.tileQ();
        if (group > cl.device.maxLocalSize(cl.device.kernel(FWD_DEPTHWISE_TILE.binding(), options))) return false;
        long[] global = {ceil(s.q(), d.tileQ()) * d.tileQ(), ceil(s.p(), d.tileP()) * d.tileP(), (long) s.k() * nb};
        cl.device.launch(FWD_DEPTHWISE_TILE.binding(), options, global, new long[] {d.tileQ(), d.tileP(), 1},
                Conv2dDevice.dims(y, x, w, bias, yOff, n0, s));
        return true;
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }
}
