package org.clengine.conv2d.opencl;

import static org.clengine.conv2d.Conv2dKernel.FWD_BLOCKED;
import static org.clengine.conv2d.Conv2dKernel.PACK_BLOCKED;

import org.clengine.conv2d.Conv2dBlocked;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.device.DeviceBuffer;

/**
 * The forward on the channel-blocked direct kernel (conv2d_blocked.cl): the filter packed into blocks of 16·KV
 * output channels (into scratch, once per call), then one launch over (row tiles, channel blocks, images). x and y
 * stay NCHW.
 */
final class Conv2dBlockedForward {
    private final Conv2dDevice cl;

    Conv2dBlockedForward(Conv2dDevice cl) {
        this.cl = cl;
    }

    /** Images n0 … n0+nb−1 of y (from float yOff on); bias may be null. The caller checked {@code applies}. */
    void run(DeviceBuffer y, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Conv2dShape s, int n0, int nb,
            int yOff) {
        Conv2dBlocked b = cl.policy.blocked();
        int kb = (s.k() + b.channels() - 1) / b.channels(), rs = s.r() * s.s();
        DeviceBuffer wp = cl.scratch("conv2d.blocked", (long) kb * b.channels() * s.c() * rs);
        String tile = "-DTQ=" + b.tileQ() + " -DKV=" + b.vectors();
        cl.launch(PACK_BLOCKED, tile, new long[] {rs, s.c(), kb}, wp, w, s.k(), s.c(), rs);
        String options = Conv2dDevice.forwardOptions(bias != null, s) + " -DKR=" + s.r() + " -DKS=" + s.s() + " -DSW="
                + s.params().strideW() + " -DDLW=" + s.params().dilationW() + " " + b.options();
        cl.launch(FWD_BLOCKED, options, new long[] {b.items(s), kb, nb},
                Conv2dDevice.dims(y, x, wp, bias, yOff, n0, s));
    }
}
