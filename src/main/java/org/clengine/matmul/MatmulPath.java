package org.clengine.matmul;

/** Which kernels run a GEMM. AUTO lets the shape decide; the others force a path (tests, verify, tune). */
public enum MatmulPath {
    AUTO,
    /** matmul_plain alone: one work-item per element of C. */
    PLAIN,
    /** pack A and B, then matmul_packed. */
    PACKED,
    /** pack A and only B's last partial panel; matmul_packed reads B's full panels in place. Needs B not transposed. */
    DIRECT_B,
    /**
     * matmul_packed alone where it can: A read in place (no pack_a launch; a small GEMM pays per enqueue about what it
     * pays for its FMAs), B as DIRECT_B (packed when transposed) and only B's last partial panel packed.
     */
    DIRECT_AB,
    /** matmul_tiled: the GPU family's work-group-tiled kernel (local-memory tiles of A and B), A and B in place. */
    TILED
}
