package org.clengine.matmul;

/**
 * The GEMM shapes that want other blocks than the square ones (issue #19): a policy may give each class its own
 * macro tile, K block and B-in-place bound ({@link MatmulPolicy.Blocks}), chosen by {@code ./clengine tune matmul}
 * against the class's own timing shape. The register tile is one per policy (it is compiled into the kernels).
 * Checked in this order; the first that holds wins.
 */
public enum MatmulShapeClass {
    /** M·N·K ≤ 2^25 (256³ is 2^24): a few macro tiles per core, where the split into work-items decides. */
    SMALL("m256n256k256"),
    /** K ≤ 128 (the im2col GEMM of a 1×1 or thin layer, 576×3136×64): C's traffic weighs as much as the FMAs. */
    SHORT_K("m576n3136k64"),
    /** M ≤ 128 &lt; N (a layer of few filters over many positions, 64×3136×576): one row of macro tiles. */
    SHORT_M("m64n3136k576"),
    /** Everything else: the policy's own blocks. */
    GENERAL("m1024n1024k1024");

    private final MatmulShape timed;

    MatmulShapeClass(String timed) {
        this.timed = MatmulShape.parse(timed);
    }

    /** The shape the tuner times this class on. */
    public MatmulShape timed() {
        return timed;
    }

    public static MatmulShapeClass of(MatmulShape s) {
        if ((double) s.m() * s.n() * s.k() <= (double) (1 << 25)) return SMALL;
        if (s.k() <= 128) return SHORT_K;
        if (s.m() <= 128 && s.n() > s.m()) return SHORT_M;
        return GENERAL;
    }
}
