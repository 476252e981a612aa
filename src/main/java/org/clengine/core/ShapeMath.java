package org.clengine.core;

/**
 * Exact shape arithmetic for the shape records, and the limits the kernels' {@code int} index arithmetic sets.
 * Every product or sum that a kernel computes in {@code int} is computed here in {@code long} first and refused,
 * with a message naming it, when it would not fit; a wrapped value never reaches a kernel.
 */
public final class ShapeMath {
    /**
     * The most elements a tensor (or any count a kernel indexes by int) may hold: 2^31 − 2^20. The kernels take
     * their work-item ids and element indices as {@code int}; a launch rounds its global size up to a multiple of
     * the work-group (at most a few thousand items, each up to 64 elements wide), and those items compute an index
     * past the end before their guard returns. The margin keeps that index positive.
     */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - (1 << 20) + 1;

    /**
     * The largest spatial extent (an input padded on both sides, a dilated filter, a stride, a pad): 2^30. The
     * kernels' row and column arithmetic adds two such values ({@code p*sh - pt + r*dlh}, {@code t + sh - 1},
     * {@code v0 + span}), which then still fits an {@code int}.
     */
    public static final int MAX_EXTENT = 1 << 30;

    private ShapeMath() {
    }

    /** The product of {@code factors}, refused with a message naming {@code what} when it exceeds {@code limit}. */
    public static long product(String what, long limit, long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f < 0) throw new IllegalArgumentException(what + " has a negative factor " + f);
            if (f != 0 && p > limit / f) {
                throw new IllegalArgumentException(what + " (" + describe(factors) + ") is more than " + limit
                        + "; the kernels index it by int");
            }
            p *= f;
        }
        return p;
    }

    /** An element count: the product, at most {@link #MAX_ELEMENTS}. */
    public static int elements(String what, long... factors) {
        return (int) product(what, MAX_ELEMENTS, factors);
    }

    /** A spatial extent: the sum of non-negative {@code terms}, at most {@link #MAX_EXTENT}. */
    public static int extent(String what, long... terms) {
        long s = 0;
        for (long t : terms) s += t; // each term is an int: no overflow in long
        if (s > MAX_EXTENT) {
            throw new IllegalArgumentException(what + " " + s + " is more than " + MAX_EXTENT
                    + " (2^30); the kernels' row and column arithmetic would overflow int");
        }
        return (int) s;
    }

    /** One spatial value (a stride, a pad, a filter size), at most {@link #MAX_EXTENT}. */
    public static int extent(String what, int value) {
        return extent(what, (long) value);
    }

    private static String describe(long... factors) {
        StringBuilder b = new StringBuilder();
        for (long f : factors) b.append(b.length() == 0 ? "" : "·").append(f);
        return b.toString();
    }
}
