package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The program builder's header expansion: every kernel file that includes kernels/act16.clh gets its text once, in
 * place of the include line, with #line directives that put the lines after it back at their own numbers; the
 * driver never sees an #include.
 */
class KernelHeaderTest {
    private static final Path KERNELS = Path.of("kernels");

    @Test
    void includesAreExpandedInPlaceWithLineDirectives() throws IOException {
        List<Path> including;
        try (Stream<Path> s = Files.list(KERNELS)) {
            including = s.filter(p -> p.toString().endsWith(".cl")).filter(p -> {
                try {
                    return Files.readString(p).contains("#include \"act16.clh\"");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertTrue(including.size() >= 4, "batchnorm, batchnorm_gpu, elementwise and sgd include act16.clh: " + including);
        String header = Files.readString(KERNELS.resolve("act16.clh"));
        for (Path p : including) {
            String file = p.getFileName().toString();
            String raw = Files.readString(p);
            String expanded = ProgramCache.source(file);
            assertFalse(expanded.matches("(?s).*\\n\\s*#\\s*include.*"), file + ": an #include reached the driver");
            assertTrue(expanded.contains(header), file + ": the header's text is not in the expanded source");
            assertEquals(1, expanded.split("#line 1 \"act16.clh\"", -1).length - 1, file + ": header expanded once");
            // the line after the include is back at its own number
            String[] lines = raw.split("\n", -1);
            int at = 0;
            while (!lines[at].contains("#include \"act16.clh\"")) at++;
            assertTrue(expanded.contains("#line " + (at + 2) + " \"" + file + "\"\n" + lines[at + 1]),
                    file + ": no #line directive restoring line " + (at + 2));
        }
    }
}
