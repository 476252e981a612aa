package org.clengine.distributed;

/** The one order in which ranks' contributions are combined, so that every transport gives the same bits. */
public final class RankOrder {
    private RankOrder() {
    }

    /** out[i] = ((parts[0][i] + parts[1][i]) + parts[2][i]) + …, in float; {@code out} may be one of the parts. */
    public static void sum(float[][] parts, float[] out) {
        if (parts.length == 0) throw new IllegalArgumentException("no ranks to sum");
        int n = out.length;
        for (int r = 0; r < parts.length; r++) {
            if (parts[r].length != n) {
                throw new CollectiveException("rank " + r + " sent " + parts[r].length + " values where " + n
                        + " were expected: the ranks' arrays differ in length (mismatched models?)");
            }
        }
        for (int i = 0; i < n; i++) {
            float s = parts[0][i];
            for (int r = 1; r < parts.length; r++) s += parts[r][i];
            out[i] = s;
        }
    }
}
