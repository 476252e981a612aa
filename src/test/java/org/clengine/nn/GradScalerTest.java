package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.backend.ReferenceBackend;
import org.junit.jupiter.api.Test;

/** Dynamic loss scaling as PyTorch's GradScaler: backoff and skip on Inf/NaN, growth after a run of good steps. */
class GradScalerTest {
    private final Backend backend = new ReferenceBackend();

    @Test
    void defaultsArePyTorchs() {
        GradScaler s = new GradScaler();
        assertEquals(65536f, s.scale());
        assertEquals(2000, GradScaler.GROWTH_INTERVAL);
        assertEquals(2f, GradScaler.GROWTH_FACTOR);
        assertEquals(0.5f, GradScaler.BACKOFF_FACTOR);
    }

    @Test
    void scaleBacksOffOnOverflowAndGrowsAfterTheInterval() {
        GradScaler s = new GradScaler(8, 2, 0.5f, 3);
        s.update(true);
        s.update(true);
        assertEquals(8f, s.scale(), "two good steps of three");
        s.update(true);
        assertEquals(16f, s.scale(), "three good steps grow the scale");
        s.update(true);
        s.update(true);
        s.update(false);
        assertEquals(8f, s.scale(), "an overflow halves it");
        s.update(true);
        s.update(true);
        assertEquals(8f, s.scale(), "the overflow restarted the count");
        s.update(true);
        assertEquals(16f, s.scale());
        assertEquals(1, s.skippedSteps());
        assertEquals(9, s.steps());
        GradScaler top = new GradScaler(Float.MAX_VALUE, 2, 0.5f, 1);
        top.update(true);
        assertEquals(Float.MAX_VALUE, top.scale(), "growth past float's range keeps the scale");
    }

    @Test
    void aFiniteStepUnscalesThenUpdates() {
        try (Parameter p = parameter(new float[] {1, 2, 3}); Sgd sgd = new Sgd(Map.of("w", p), 0.5, 0, 0)) {
            GradScaler s = new GradScaler(8, 2, 0.5f, 2000);
            p.grad().copyFrom(new float[] {8, -16, 4}); // scaled gradients of {1, -2, 0.5}
            assertTrue(s.step(sgd, List.of(p)));
            assertArrayEquals(new float[] {1, -2, 0.5f}, p.grad().toArray(), "gradients unscaled in place");
            assertArrayEquals(new float[] {0.5f, 3, 2.75f}, p.value().toArray(), "p - lr·g");
            assertEquals(0, s.skippedSteps());
        }
    }

    @Test
    void anInfOrNanSkipsTheStep() {
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NaN}) {
            try (Parameter p = parameter(new float[] {1, 2, 3}); Sgd sgd = new Sgd(Map.of("w", p), 0.5, 0, 0)) {
                GradScaler s = new GradScaler();
                p.grad().copyFrom(new float[] {8, bad, 4});
                assertFalse(s.step(sgd, List.of(p)), bad + " must skip the step");
                assertArrayEquals(new float[] {1, 2, 3}, p.value().toArray(), "parameters untouched");
                assertEquals(32768f, s.scale());
                assertEquals(1, s.skippedSteps());
            }
        }
    }

    @Test
    void theLossGradientIsScaled() {
        var t = backend.tensor(new float[] {0.25f, -1e-6f}, 2);
        new GradScaler().scaleLossGradient(backend, t);
        assertArrayEquals(new float[] {16384f, -1e-6f * 65536f}, t.toArray());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(0, 2, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 1, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 2, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 2, 0.5f, 0));
    }

    private Parameter parameter(float[] values) {
        return new Parameter(backend, backend.tensor(values, values.length), backend.full(0f, values.length));
    }
}
