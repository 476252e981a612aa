package org.clengine.matmul;

import java.util.List;
import java.util.Locale;
import org.clengine.device.DeviceInfo;

/**
 * matmul_tiled's compile-time sizes (the GPU family's GEMM, kernels/matmul.cl), named as in CLBlast's Xgemm: a
 * work-group computes an {@code mwg × nwg} tile of C in groups of {@code ndimc × mdimc} work-items, staging
 * {@code kwg}-deep tiles of A and B in local memory; each work-item owns (mwg/mdimc) × (nwg/ndimc) accumulators. No
 * value changes a result's bits: every C element is one fma chain over k in order, as in matmul_plain.
 *
 * @param mwg   rows of C per work-group (MWG)
 * @param nwg   columns of C per work-group (NWG)
 * @param kwg   K block staged in local memory (KWG)
 * @param mdimc work-items along M (MDIMC, local dimension 1)
 * @param ndimc work-items along N (NDIMC, local dimension 0)
 * @param vwm   vector width of A's loads along M (VWM: 1, 2, 4 or 8)
 * @param vwn   vector width of B's loads and of the register tile along N (VWN: 1, 2, 4 or 8)
 * @param pad   floats added to each local row against bank conflicts (PAD: 0 or 1)
 */
public record MatmulTiling(int mwg, int nwg, int kwg, int mdimc, int ndimc, int vwm, int vwn, int pad) {
    /** A work-item's accumulators plus one column of A and one row of B: at most this many live floats. */
    public static final int MAX_LIVE_FLOATS = 128;
    /** Both local tiles within 32 KiB, what every GPU of the three vendors offers a work-group. */
    public static final int MAX_LOCAL_FLOATS = 8192;

    public MatmulTiling {
        if (mwg < 1 || nwg < 1 || kwg < 1 || mdimc < 1 || ndimc < 1) {
            throw new IllegalArgumentException("tiling sizes must be positive: " + this);
        }
        if (!List.of(1, 2, 4, 8).contains(vwm) || !List.of(1, 2, 4, 8).contains(vwn)) {
            throw new IllegalArgumentException("vwm and vwn must be 1, 2, 4 or 8: " + this);
        }
        if (pad != 0 && pad != 1) throw new IllegalArgumentException("pad must be 0 or 1: " + this);
        if (mwg % mdimc != 0 || mwg % vwm != 0 || nwg % (ndimc * vwn) != 0) {
            throw new IllegalArgumentException("mwg must be a multiple of mdimc and vwm, nwg of ndimc·vwn: " + this);
        }
        int live = mwg / mdimc * (nwg / ndimc) + mwg / mdimc + nwg / ndimc; // the fields are not set yet
        if (live > MAX_LIVE_FLOATS) {
            throw new IllegalArgumentException("a work-item would keep " + live + " live floats (at most "
                    + MAX_LIVE_FLOATS + "): " + this);
        }
        if ((long) kwg * (mwg + nwg + 2 * pad) > MAX_LOCAL_FLOATS || (long) mdimc * ndimc > 1024) {
            throw new IllegalArgumentException("local tiles over " + MAX_LOCAL_FLOATS + " floats or a group over "
                    + "1024 work-items: " + this);
        }
    }

    /** CLBlast's database defaults for its vendor ("default" rows; NVIDIA: SM6.1, its newest architecture). */
    public static final MatmulTiling NVIDIA = new MatmulTiling(64, 64, 32, 16, 8, 4, 4, 1);
    /** AMD GPUs' vendor default in CLBlast's database. */
    public static final MatmulTiling AMD = new MatmulTiling(64, 64, 32, 16, 8, 4, 4, 1);
    /** Intel GPUs: CLBlast's entry for HD Graphics 620 (its vendor default equals NVIDIA's above). */
    public static final MatmulTiling INTEL = new MatmulTiling(64, 128, 32, 8, 16, 1, 2, 1);
    /** Any other device: CLBlast's all-device default. */
    public static final MatmulTiling GENERIC = new MatmulTiling(32, 32, 32, 8, 16, 4, 2, 1);

    /** The starting values for the device's vendor (GENERIC when null or unknown). */
    public static MatmulTiling forVendor(DeviceInfo device) {
        String v = device == null ? "" : (device.vendor() + " " + device.platformName()).toLowerCase(Locale.ROOT);
        if (v.contains("nvidia")) return NVIDIA;
        if (v.contains("advanced micro devices") || v.contains("amd")) return AMD;
        if (v.contains("intel")) return INTEL;
        return GENERIC;
    }

    public MatmulTiling withPad(int p) {
        return new MatmulTiling(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn, p);
    }

    public int mwi() {
        return mwg / mdimc;
    }

    public int nwi() {
        return nwg / ndimc;
    }

    public int liveFloats() {
        return mwi() * nwi() + mwi() + nwi();
    }

    /** matmul_tiled's build options. */
    public String options() {
        return String.format(Locale.ROOT, "-DMWG=%d -DNWG=%d -DKWG=%d -DMDIMC=%d -DNDIMC=%d -DVWM=%d -DVWN=%d -DPAD=%d",
                mwg, nwg, kwg, mdimc, ndimc, vwm, vwn, pad);
    }

    /** {@code mwg64nwg64kwg32m16n8vm4vn4p1}, as tune prints it. */
    public String label() {
        return String.format(Locale.ROOT, "mwg%dnwg%dkwg%dm%dn%dvm%dvn%dp%d", mwg, nwg, kwg, mdimc, ndimc, vwm, vwn,
                pad);
    }
}
