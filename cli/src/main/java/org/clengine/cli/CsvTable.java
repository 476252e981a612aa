package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * An experiment's CSV: a header, then rows whose cells are written the same way everywhere: integers as they are,
 * floating-point numbers with six decimals, anything else (booleans, preformatted strings) by {@code toString}.
 */
final class CsvTable {
    private final StringBuilder text = new StringBuilder();
    private final int columns;

    CsvTable(String... header) {
        columns = header.length;
        text.append(String.join(",", header)).append('\n');
    }

    CsvTable row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + columns);
        }
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) text.append(',');
            Object c = cells[i];
            text.append(c instanceof Double || c instanceof Float ? String.format(Locale.ROOT, "%.6f", c)
                    : String.valueOf(c));
        }
        text.append('\n');
        return this;
    }

    void write(Path file) throws IOException {
        Files.writeString(file, text);
    }
}
