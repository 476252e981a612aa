package org.clengine.matmul;

/** Where the epilogue's bias vector goes: none, one value per row of C (length M), or per column (length N). */
public enum MatmulBias {
    NONE(0), PER_ROW(1), PER_COLUMN(2);

    /** The kernels' EPI bit. */
    public final int epilogueBit;

    MatmulBias(int epilogueBit) {
        this.epilogueBit = epilogueBit;
    }
}
