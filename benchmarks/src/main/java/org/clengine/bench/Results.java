package org.clengine.bench;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The JSON document {@code --json} writes: {"device", "driver", "rows": [...]}. */
public record Results(String device, String driver, List<Row> rows) {

    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(this) + "\n");
    }
}
