package org.clengine.nn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.clengine.core.InputFiles;

/**
 * A model's state in either format the engine knows: {@link SafeTensors} (the default, what PyTorch reads) or the
 * engine's older {@link StateFile} ({@code .clstate}). Saving picks by the file's extension, loading by its
 * content (a state file opens with {@code CLESTATE}; anything else is read as safetensors), so a renamed file
 * still loads.
 */
public final class ModelFiles {
    private static final byte[] STATE_MAGIC = "CLESTATE".getBytes(StandardCharsets.US_ASCII);

    private ModelFiles() {
    }

    /** Whether {@code file}'s name ends in {@code .clstate}, the engine's own format; anything else is safetensors. */
    public static boolean isStateFileName(Path file) {
        Path name = file.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".clstate");
    }

    /** Saves as a state file when the name ends in {@code .clstate}, as safetensors otherwise. */
    public static void save(Module model, Path file) throws IOException {
        if (isStateFileName(file)) StateFile.save(model, file);
        else SafeTensors.save(model, file);
    }

    /** Loads either format, told apart by the first 8 bytes; all or nothing, as each format's own load. */
    public static void load(Module model, Path file) throws IOException {
        InputFiles.checkedLength(file, "a model state (safetensors or .clstate)");
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(STATE_MAGIC.length);
        }
        if (java.util.Arrays.equals(head, STATE_MAGIC)) StateFile.load(model, file);
        else SafeTensors.load(model, file);
    }
}
