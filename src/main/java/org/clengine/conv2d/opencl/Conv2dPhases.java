package org.clengine.conv2d.opencl;

import java.util.ArrayList;
import java.util.List;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.ShapeMath;

/**
 * Strided backward-data as stride-1 convolutions, one per phase of dx. With stride s and no dilation, dx's rows
 * h ≡ a (mod sh) receive only the filter rows r ≡ (a + pt) (mod sh), and those rows h = a + sh·h' are the stride-1
 * forward convolution over h' of dy with these taps, flipped (columns alike). Every phase is computed on hs × ws
 * positions (hs = ⌈H/sh⌉, ws = ⌈W/sw⌉), phase (a, b) at offset (a·sw + b)·plane of one scratch buffer.
 *
 * @param hs     phase height, ⌈H/sh⌉
 * @param ws     phase width, ⌈W/sw⌉
 * @param plane  floats per phase, N·C·hs·ws
 * @param phases the phases that have taps (the others are zero in dx)
 */
record Conv2dPhases(int hs, int ws, long plane, List<Phase> phases) {

    /**
     * One phase: dx's rows a, a + sh, … and columns b, b + sw, …; the taps r0, r0 + sh, … (ra of them) and t0,
     * t0 + sw, … (sb); {@code sub} the stride-1 convolution of dy (as its x) that yields the phase.
     */
    record Phase(int a, int b, int r0, int ra, int t0, int sb, Conv2dShape sub) {
    }

    /** The plan for {@code s}, or null when a phase would need negative padding, or with dilation. */
    static Conv2dPhases of(Conv2dShape s) {
        var p = s.params();
        int sh = p.strideH(), sw = p.strideW(), hs = (s.h() + sh - 1) / sh, ws = (s.w() + sw - 1) / sw;
        long plane = (long) s.n() * s.c() * hs * ws;
        // a stride past the image would make scratch of mostly empty phases (and a loop over sh·sw of them): the
        // plan is taken only while its scratch is at most 4 times dx (hs·sh < 2·H once H ≥ sh, columns alike)
        long dx = (long) s.n() * s.c() * s.h() * s.w();
        if (p.dilationH() != 1 || p.dilationW() != 1 || plane * sh * sw > Math.min(4 * dx, ShapeMath.MAX_ELEMENTS)) {
            return null;
        }
        List<Phase> phases = new ArrayList<>();
        for (int a = 0; a < sh; a++) {
            int[] r = axis(a, sh, s.r(), p.padTop(), s.p(), hs);
            for (int b = 0; b < sw; b++) {
                int[] c = axis(b, sw, s.s(), p.padLeft(), s.q(), ws);
                if (r == null || c == null) return null;
                if (r[1] == 0 || c[1] == 0) continue;
                Conv2dShape sub = Conv2dShape.orNull(() -> new Conv2dShape(s.n(), s.k(), s.p(), s.q(), s.c(), r[1],
                        c[1], new Conv2dParams(1, 1, r[2], r[3], c[2], c[3], 1, 1, s.groups(), false)));
                if (sub == null) return null; // past the limits: the general path takes it
                phases.add(new Phase(a, b, r[0], r[1], c[0], c[1], sub));
            }
        }
        return new Conv2dPhases(hs, ws, plane, phases);
    }

    /**
     * {first tap, taps, pad before, pad after} along one axis for dx's phase a: taps first, first + stride, … of a
     * kernel of this size; the stride-1 convolution over dy's {@code out} positions with these pads yields
     * {@code phased} positions. Null when a pad would be negative.
     */
    private static int[] axis(int a, int stride, int kernel, int pad, int out, int phased) {
        int first = (a + pad) % stride;
        int taps = first < kernel ? (kernel - first + stride - 1) / stride : 0;
        if (taps == 0) return new int[] {first, 0, 0, 0};
        int before = taps - 1 - (a + pad - first) / stride, after = phased - out - before + taps - 1;
        return before < 0 || after < 0 ? null : new int[] {first, taps, before, after};
    }
}
