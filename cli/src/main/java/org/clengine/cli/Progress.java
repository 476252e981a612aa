package org.clengine.cli;

import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress of a loop of known length. On a terminal a progress bar, redrawn in place with carriage returns;
 * elsewhere (a log file, CI, a pipe: {@code System.console() == null}) one line each time another
 * {@link #LINE_PERCENT}% is done, since a redrawn bar becomes one endless line in a log. {@code -Dclengine.progress=
 * bar|lines|none} overrides the choice.
 */
abstract class Progress implements AutoCloseable {
    /** Percent of the loop between two lines when the output is not a terminal. */
    static final int LINE_PERCENT = 5;

    enum Mode { BAR, LINES, NONE }

    /** Steps once, with a few words to show (null for none). */
    abstract void step(String extra);

    @Override
    public abstract void close();

    /** NONE when quiet; else what -Dclengine.progress says; else BAR on a terminal, LINES off one. */
    static Mode mode(boolean quiet) {
        if (quiet) return Mode.NONE;
        String p = System.getProperty("clengine.progress");
        if (p != null) return Mode.valueOf(p.strip().toUpperCase(Locale.ROOT));
        return System.console() != null ? Mode.BAR : Mode.LINES;
    }

    static Progress of(Mode mode, String task, long max, PrintWriter out) {
        return switch (mode) {
            case BAR -> new Bar(task, max);
            case LINES -> new Lines(task, max, out);
            case NONE -> new Lines(task, max, null);
        };
    }

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long max) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).setUnit(" steps", 1).build();
        }

        @Override
        void step(String extra) {
            bar.step();
            if (extra != null) bar.setExtraMessage(extra);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** "epoch 1/3  35% 164/468 steps, 12.3 s  loss 0.4567 …", written when a new multiple of 5% is reached. */
    static final class Lines extends Progress {
        private final String task;
        private final long max;
        private final PrintWriter out;
        private final long start = System.nanoTime();
        private long done;
        private long lastBand;

        Lines(String task, long max, PrintWriter out) {
            this.task = task;
            this.max = Math.max(1, max);
            this.out = out;
        }

        @Override
        void step(String extra) {
            done++;
            long band = done * 100 / max / LINE_PERCENT;
            if (out == null || (band == lastBand && done != max)) return;
            lastBand = band;
            out.printf(Locale.ROOT, "%s %3d%% %d/%d steps, %.1f s%s%n", task, done * 100 / max, done, max,
                    (System.nanoTime() - start) / 1e9, extra == null ? "" : " " + extra.strip());
            out.flush();
        }

        @Override
        public void close() {
            if (out != null) out.flush();
        }
    }
}
