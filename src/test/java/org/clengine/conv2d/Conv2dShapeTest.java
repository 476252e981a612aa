package org.clengine.conv2d;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The record's exact arithmetic (issue 18) and the shapes derived from it. */
class Conv2dShapeTest {

    /** dilation 2^30 on a 5×5 filter: 4·2^30 + 1 wrapped to 1 in int, and the shape was taken for a 1×1 filter. */
    @Test
    void aDilatedFilterPastTheLimitIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Conv2dShape.parse("mb1ic1ih5oc1kh5dh1073741823"));
        assertEquals("dilated filter height dilation·(R−1) + 1 4294967297 is more than 1073741824 (2^30); the kernels' "
                + "row and column arithmetic would overflow int", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv2dShape(1, 1, 5, 5, 1, 5, 5,
                Conv2dParams.DEFAULT.withDilation(1 << 30, 1)));
    }

    @Test
    void paddingOfTheIntLimitIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Conv2dParams.DEFAULT.withPadding(Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals("padding 2147483647 is more than 1073741824 (2^30); the kernels' row and column arithmetic would "
                + "overflow int", e.getMessage());
    }

    /**
     * Backward-data as a forward convolution of dy: its own col matrix, K·R·S × H·W, is 3.4·10^11 floats here while
     * this shape's is 8.8·10^6: no such derived shape (null, the device takes another path), never an exception.
     */
    @Test
    void aDerivedShapePastTheLimitsIsNull() {
        Conv2dShape s = new Conv2dShape(1, 1, 200, 200, 1 << 15, 16, 16, Conv2dParams.DEFAULT);
        assertEquals(185, s.p());
        assertNull(s.backwardDataAsForward());
        assertNotNull(new Conv2dShape(1, 1, 20, 20, 8, 3, 3, Conv2dParams.DEFAULT).backwardDataAsForward());
    }

    @Test
    void descriptorsRoundTripAtTheLimits() {
        Conv2dShape s = new Conv2dShape(1, 1, 1, 1, 1, 1, 1, new Conv2dParams(1 << 30, 1, (1 << 29) - 1, 1 << 29, 0,
                0, 1 << 30, 1, 1, false));
        assertEquals(s, Conv2dShape.parse(s.descriptor()));
        assertEquals(1, s.p());
    }
}
