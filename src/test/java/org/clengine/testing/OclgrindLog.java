package org.clengine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Oclgrind's log, the file {@code OCLGRIND_LOG} names. Oclgrind opens it afresh (truncating it) for each OpenCL
 * context it creates and writes each report as it happens, as a paragraph whose first line names the problem (an
 * invalid access, a data race, an API error, a work-group divergence) and whose indented lines say where. So with
 * one device open at a time the file holds exactly what the device opened last reported; everything in it is a
 * report. Each device's reports are also appended to {@code record}, the whole run's, for the script to count.
 */
public final class OclgrindLog {
    private final Path file;
    private final Path record;

    public OclgrindLog(Path file, Path record) {
        this.file = file;
        this.record = record;
    }

    /** What the device opened last reported (call it once that device is closed); empty when nothing. */
    public String lastDevice() {
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            if (!text.isBlank() && record != null) {
                Files.writeString(record, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return text.isBlank() ? "" : text;
        } catch (IOException e) {
            throw new UncheckedIOException("reading Oclgrind's log " + file, e);
        }
    }

    /** The first line of each report in {@code text}. */
    public static List<String> reports(String text) {
        return text.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).toList();
    }
}
