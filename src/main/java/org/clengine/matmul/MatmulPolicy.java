package org.clengine.matmul;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.clengine.device.DeviceInfo;
import org.clengine.device.KernelFamily;

/**
 * GEMM's launch values on one device family: kernels/matmul.cl's compile-time register tile and pack length
 * ({@link #options()}), and what the host decides with (macro tile, K block, local sizes, the path crossovers). None
 * changes a result's bits except {@code kc} (C is rounded to fp32 between K blocks) and the path.
 *
 * @param mr          rows of the register tile (MR)
 * @param vw          vector width of the register tile (VW: 4, 8 or 16)
 * @param nv          vectors per row (NV); NR = vw·nv columns
 * @param mc          rows of C per work-item at most (a multiple of mr)
 * @param nc          columns of C per work-item at most (a multiple of NR)
 * @param kc          K block: C is updated once per block of kc terms
 * @param local       local size of matmul_packed and the pack kernels in dimensions 0 and 1 (1 on CPUs)
 * @param plainBelow  M·N·K below which matmul_plain alone runs (three launches cost more than it saves)
 * @param directBMaxM B is read in place (not packed) when not transposed and M ≤ this: a B used by few rows is
 *                    not worth copying
 * @param plainLocalN local size of matmul_plain along N (dimension 0)
 * @param plainLocalM local size of matmul_plain along M (dimension 1)
 * @param packK       k values per work-item of the pack kernels (PACK_K)
 * @param path        AUTO, or a forced path
 * @param tiling      matmul_tiled's sizes (the TILED path)
 * @param tiledFrom   M·N·K from which AUTO takes the TILED path, or PLAIN for a C of fewer than
 *                    {@link #TILED_MIN_OUTPUTS} elements (Long.MAX_VALUE: never, as on CPUs, where the packed
 *                    register tiles win; on GPUs the plain kernel runs below it)
 * @param classes     shape classes with blocks of their own ({@link Blocks}; none by default: a class gets its own
 *                    only where {@code ./clengine tune matmul} measured it faster than the policy's, side by side)
 */
public record MatmulPolicy(int mr, int vw, int nv, int mc, int nc, int kc, int local, long plainBelow,
        int directBMaxM, int plainLocalN, int plainLocalM, int packK, MatmulPath path, MatmulTiling tiling,
        long tiledFrom, Map<MatmulShapeClass, Blocks> classes) {

    /**
     * A shape class's own macro tile, K block and B-in-place bound, in place of the policy's {@code mc}, {@code nc},
     * {@code kc} and {@code directBMaxM} for the GEMMs of that class ({@link MatmulShapeClass#of}). Run-time
     * arguments only: the kernels and their bits per K block are those of the same values as policy-wide ones.
     */
    public record Blocks(int mc, int nc, int kc, int directBMaxM) {
        public Blocks {
            if (mc < 1 || nc < 1 || kc < 1 || directBMaxM < 0) {
                throw new IllegalArgumentException("class blocks must be positive (directBMaxM ≥ 0): " + this);
            }
        }

        /** {@code mc64nc256kc512b0}, as tune prints it. */
        public String label() {
            return String.format(Locale.ROOT, "mc%dnc%dkc%db%d", mc, nc, kc, directBMaxM);
        }
    }

    /**
     * AUTO's tiled kernel needs at least this many elements of C: below one 16×16 block most of a work-group would
     * idle through every K block (a 1×1 C with K = 2^20 ran 7 minutes on PoCL), where matmul_plain runs one
     * work-item per element.
     */
    public static final long TILED_MIN_OUTPUTS = 256;

    public MatmulPolicy {
        if (mr < 1 || mr > 16) throw new IllegalArgumentException("mr " + mr + " is not in 1..16");
        if (vw != 4 && vw != 8 && vw != 16) throw new IllegalArgumentException("vw " + vw + " is not 4, 8 or 16");
        if (nv < 1 || nv > 8) throw new IllegalArgumentException("nv " + nv + " is not in 1..8");
        if (mc < mr || mc % mr != 0) throw new IllegalArgumentException("mc " + mc + " is not a multiple of mr " + mr);
        if (nc < vw * nv || nc % (vw * nv) != 0) {
            throw new IllegalArgumentException("nc " + nc + " is not a multiple of NR " + vw * nv);
        }
        if (kc < 1 || local < 1) throw new IllegalArgumentException("kc and local must be positive");
        if (plainLocalN < 1 || plainLocalM < 1) {
            throw new IllegalArgumentException("plain local sizes must be positive, got " + plainLocalN + "×"
                    + plainLocalM);
        }
        if (packK < 1) throw new IllegalArgumentException("packK " + packK + " must be positive");
        if (path == null) throw new IllegalArgumentException("path is null");
        if (tiling == null) throw new IllegalArgumentException("tiling is null");
        if (classes == null) throw new IllegalArgumentException("classes is null");
        for (Map.Entry<MatmulShapeClass, Blocks> e : classes.entrySet()) {
            Blocks b = e.getValue();
            if (b.mc() % mr != 0 || b.nc() % (vw * nv) != 0) {
                throw new IllegalArgumentException(e.getKey() + " blocks " + b.label() + " are not multiples of the "
                        + mr + "×" + vw * nv + " register tile");
            }
        }
        classes = classes.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(classes));
    }

    /** Every component as before, no class blocks: the form the family defaults and older callers use. */
    public MatmulPolicy(int mr, int vw, int nv, int mc, int nc, int kc, int local, long plainBelow, int directBMaxM,
            int plainLocalN, int plainLocalM, int packK, MatmulPath path, MatmulTiling tiling, long tiledFrom) {
        this(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, plainLocalN, plainLocalM, packK, path, tiling,
                tiledFrom, Map.of());
    }

    /** The family's values before any tuning ({@link #cpuDefault()}, {@link #gpuDefault()}). */
    public static MatmulPolicy defaults(KernelFamily family, DeviceInfo device) {
        if (family == null) throw new IllegalArgumentException("family is null");
        return family == KernelFamily.CPU ? cpuDefault() : gpuDefault(device);
    }

    /**
     * CPUs: 8×32 register tile (16 accumulators + 2 B vectors fit in 32 zmm registers), 128×128 macro tiles, K
     * blocks of 256 so a work-item's A and B blocks (128 KiB each) stay in L2 (../shared/MEASURED.md); plain below
     * 32³; B read in place up to M = 512 (packing it cost 3–8% more at 256² and 512² on PoCL here, and saved
     * 10–20% at 1024²). matmul_plain in groups of 16×1, the others of 1×1. AUTO never takes the tiled kernel (its
     * tiling, the generic one, runs only when forced: tests and verify).
     */
    public static MatmulPolicy cpuDefault() {
        return new MatmulPolicy(8, 16, 2, 128, 128, 256, 1, 32L * 32 * 32, 512, 16, 1, 64, MatmulPath.AUTO,
                MatmulTiling.GENERIC, Long.MAX_VALUE);
    }

    /** {@link #gpuDefault(DeviceInfo)} for a device of no known vendor. */
    public static MatmulPolicy gpuDefault() {
        return gpuDefault(null);
    }

    /**
     * GPUs: matmul_tiled with the starting values of CLBlast's public tuning database for the device's vendor
     * ({@link MatmulTiling#forVendor}) from 16³ on, matmul_plain in 16×8 groups below. The packed kernels (when
     * forced) keep one 4×16 tile per work-item in 8×8 groups, no K blocking.
     */
    public static MatmulPolicy gpuDefault(DeviceInfo device) {
        return new MatmulPolicy(4, 4, 4, 4, 16, 1 << 20, 8, 16L * 16 * 16, 0, 16, 8, 64, MatmulPath.AUTO,
                MatmulTiling.forVendor(device), 16L * 16 * 16);
    }

    public int nr() {
        return vw * nv;
    }

    /** The build options of every matmul kernel: the register tile and the pack length. */
    public String options() {
        return "-DMR=" + mr + " -DVW=" + vw + " -DNV=" + nv + " -DPACK_K=" + packK;
    }

    /** The path this shape takes. */
    public MatmulPath pathFor(MatmulShape s) {
        if (path == MatmulPath.DIRECT_B && s.transB()) return MatmulPath.PACKED;
        if (path != MatmulPath.AUTO) return path;
        double mnk = (double) s.m() * s.n() * s.k();
        if (mnk >= tiledFrom) return (long) s.m() * s.n() >= TILED_MIN_OUTPUTS ? MatmulPath.TILED : MatmulPath.PLAIN;
        if (mnk < plainBelow) return MatmulPath.PLAIN;
        if (s.transB() || s.m() > blocksFor(s).directBMaxM()) return MatmulPath.PACKED;
        // a SMALL GEMM pays per enqueue about what it pays for its FMAs: A in place saves pack_a's launch (1.06-1.08x
        // at 256^3, medians of call-by-call alternation, GemmPathsAB); larger ones keep the packed A
        return MatmulShapeClass.of(s) == MatmulShapeClass.SMALL ? MatmulPath.DIRECT_AB : MatmulPath.DIRECT_B;
    }

    /**
     * Macro tile {rows, columns} for this shape on {@code units} compute units: mc × nc (its class's, else the
     * policy's) clamped to the matrix, then
     * halved (the larger side first) until there are at least 4 work-items per unit or it is one register tile.
     */
    public int[] macroTile(MatmulShape s, int units) {
        Blocks b = blocksFor(s);
        int rows = Math.min(b.mc(), ceilDiv(s.m(), mr) * mr), cols = Math.min(b.nc(), ceilDiv(s.n(), nr()) * nr());
        while (tiles(s, rows, cols) < 4L * units && (rows > mr || cols > nr())) {
            if (cols > nr() && (cols >= rows || rows == mr)) cols = Math.max(nr(), cols / 2 / nr() * nr());
            else rows = Math.max(mr, rows / 2 / mr * mr);
        }
        return new int[] {rows, cols};
    }

    private long tiles(MatmulShape s, int rows, int cols) {
        return (long) s.batch() * ceilDiv(s.m(), rows) * ceilDiv(s.n(), cols);
    }

    /** Another tiling for matmul_tiled. */
    public MatmulPolicy withTiling(MatmulTiling t) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, path, t, tiledFrom, classes);
    }

    public MatmulPolicy withTiledFrom(long mnk) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, path, tiling, mnk, classes);
    }

    public MatmulPolicy withPath(MatmulPath p) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, p, tiling, tiledFrom, classes);
    }

    /**
     * Another register tile with its own macro tile and K block (which must be multiples of it); the class blocks
     * are dropped, as they were chosen for the old tile.
     */
    public MatmulPolicy withTile(int r, int w, int v, int rows, int cols, int k) {
        return new MatmulPolicy(r, w, v, rows, cols, k, local, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, path, tiling, tiledFrom, Map.of());
    }

    /** {@code c}'s own blocks in place of the policy's. */
    public MatmulPolicy withClass(MatmulShapeClass c, Blocks b) {
        if (c == null || b == null) throw new IllegalArgumentException("class and blocks must be given");
        Map<MatmulShapeClass, Blocks> m = new EnumMap<>(MatmulShapeClass.class);
        m.putAll(classes);
        m.put(c, b);
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, path, tiling, tiledFrom, m);
    }

    /** The policy-wide blocks as one {@link Blocks}. */
    public Blocks blocks() {
        return new Blocks(mc, nc, kc, directBMaxM);
    }

    /** The blocks this shape runs with: its class's own, else the policy's. */
    public Blocks blocksFor(MatmulShape s) {
        Blocks b = classes.get(MatmulShapeClass.of(s));
        return b != null ? b : blocks();
    }

    public MatmulPolicy withBlocks(int rows, int cols, int k) {
        return new MatmulPolicy(mr, vw, nv, rows, cols, k, local, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, path, tiling, tiledFrom, classes);
    }

    public MatmulPolicy withDirectBMaxM(int m) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, m, plainLocalN, plainLocalM, packK, path,
                tiling, tiledFrom, classes);
    }

    public MatmulPolicy withPlainBelow(long mnk) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, mnk, directBMaxM, plainLocalN, plainLocalM, packK,
                path, tiling, tiledFrom, classes);
    }

    public MatmulPolicy withLocal(int size) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, size, plainBelow, directBMaxM, plainLocalN, plainLocalM,
                packK, path, tiling, tiledFrom, classes);
    }

    public MatmulPolicy withPlainLocal(int alongN, int alongM) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, alongN, alongM, packK, path,
                tiling, tiledFrom, classes);
    }

    public MatmulPolicy withPackK(int k) {
        return new MatmulPolicy(mr, vw, nv, mc, nc, kc, local, plainBelow, directBMaxM, plainLocalN, plainLocalM, k,
                path, tiling, tiledFrom, classes);
    }

    /**
     * {@code mr8vw16nv2mc128nc128kc256}: the tile and blocks, as tune prints them; where AUTO takes the tiled kernel,
     * its tiling after a slash.
     */
    public String label() {
        String packed = String.format(Locale.ROOT, "mr%dvw%dnv%dmc%dnc%dkc%d", mr, vw, nv, mc, nc, kc);
        for (Map.Entry<MatmulShapeClass, Blocks> e : classes.entrySet()) {
            packed += "," + e.getKey().name().toLowerCase(Locale.ROOT) + ":" + e.getValue().label();
        }
        return tiledFrom == Long.MAX_VALUE ? packed : packed + "/" + tiling.label();
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
