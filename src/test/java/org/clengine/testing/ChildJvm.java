package org.clengine.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a fresh JVM on the test class path: for what must be seen across JVM starts, and for what
 * might crash or hang the JVM. The output goes to a file, so a child that hangs is killed at its time limit rather
 * than blocking the reader.
 */
public final class ChildJvm {
    /** Exit code -1 and "(timed out)" at the end of the output when the child was killed at its limit. */
    public record Result(int exitCode, String output) {
        public boolean timedOut() {
            return exitCode == -1 && output.endsWith("(timed out)");
        }
    }

    private ChildJvm() {
    }

    public static Result run(Class<?> main, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        return run(main, env, 120, args);
    }

    public static Result run(Class<?> main, Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a child that crashes leaves its report in the temporary directory, not in the working tree
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "clengine-child-hs_err_pid%p.log"),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("clengine-child", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            return done ? new Result(p.exitValue(), out) : new Result(-1, out + "\n(timed out)");
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
