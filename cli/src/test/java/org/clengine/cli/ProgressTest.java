package org.clengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Off a terminal, progress is one line per 5% (no carriage returns); quiet is silent; the property overrides. */
class ProgressTest {
    @Test
    void linesEveryFivePercent() {
        for (long max : List.of(1L, 7L, 20L, 468L, 1001L)) {
            StringWriter s = new StringWriter();
            try (Progress p = Progress.of(Progress.Mode.LINES, "epoch 1/3", max, new PrintWriter(s))) {
                for (long i = 0; i < max; i++) p.step(" loss 0.5");
            }
            List<String> lines = s.toString().lines().toList();
            assertFalse(s.toString().contains("\r"), s.toString());
            assertTrue(lines.size() <= 100 / Progress.LINE_PERCENT && lines.size() >= Math.min(max, 20),
                    max + " steps gave "
                    + lines.size() + " lines, from " + lines.get(0));
            assertTrue(lines.get(lines.size() - 1).startsWith("epoch 1/3 100% " + max + "/" + max + " steps"),
                    lines.toString());
            assertTrue(lines.get(0).endsWith(" loss 0.5"), lines.get(0));
        }
    }

    @Test
    void quietIsSilentAndThePropertyDecides() {
        StringWriter s = new StringWriter();
        try (Progress p = Progress.of(Progress.mode(true), "x", 10, new PrintWriter(s))) {
            for (int i = 0; i < 10; i++) p.step(null);
        }
        assertEquals("", s.toString());
        String old = System.getProperty("clengine.progress");
        try {
            System.setProperty("clengine.progress", "lines");
            assertEquals(Progress.Mode.LINES, Progress.mode(false));
            System.setProperty("clengine.progress", "bar");
            assertEquals(Progress.Mode.BAR, Progress.mode(false));
            System.clearProperty("clengine.progress");
            // Surefire's fork has no console: the lines, as in a CI log
            assertEquals(System.console() == null ? Progress.Mode.LINES : Progress.Mode.BAR, Progress.mode(false));
        } finally {
            if (old != null) System.setProperty("clengine.progress", old);
        }
    }
}
