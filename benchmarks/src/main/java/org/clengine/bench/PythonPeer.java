package org.clengine.bench;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer timed by a Python script shipped in this jar ({@code benchmarks/peers/}), run in a process of its own on the
 * same shapes. The script prints {@code {"version": …, "threads": …, "rows": [{"op", "shape", "variant", "ms"}]}}
 * with ms the median of its repeats. A peer that cannot run is skipped with one line saying why and how to install
 * it: never a made-up row.
 */
public record PythonPeer(String system, String script, String module, String install, List<String> args) {

    /** A peer whose script takes only the runner's arguments. */
    public PythonPeer(String system, String script, String module, String install) {
        this(system, script, module, install, List.of());
    }

    public static final PythonPeer TORCH_BATCHNORM = new PythonPeer("pytorch", "torch_batchnorm.py", "torch",
            "apt-get install -y python3-torch (Debian's PyTorch 1.13, CPU; it runs under /usr/bin/python3)");

    public static final PythonPeer TORCH_CONV = new PythonPeer("pytorch", "torch_conv.py", "torch",
            TORCH_BATCHNORM.install());

    /** Debian's OpenBLAS 0.3.21 (libopenblas0-pthread), through ctypes: see openblas_gemm.py for where it looks. */
    public static final PythonPeer OPENBLAS_DEBIAN = new PythonPeer("openblas-debian", "openblas_gemm.py", "numpy",
            "apt-get install -y python3-numpy libopenblas0-pthread, or set CLENGINE_DEBIAN_OPENBLAS to an unpacked "
                    + "copy's libopenblas.so.0", List.of("--lib", "debian"));

    /** The newest org.bytedeco:openblas (0.3.31), which cannot share the JVM's class path with ND4J's JavaCPP. */
    public static final PythonPeer OPENBLAS_NEWEST = new PythonPeer("openblas-0.3.31", "openblas_gemm.py", "numpy",
            "apt-get install -y python3-numpy; build benchmarks/ (it copies the jar to target/peer-libs)",
            List.of("--lib", "bytedeco"));

    /** What the script prints. */
    public record Output(String version, int threads, List<Measured> rows) {
    }

    /** One median time. */
    public record Measured(String op, String shape, String variant, double ms) {
    }

    /** Null when {@code python} can import the peer's module, else why not. */
    public String unavailable(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import " + module).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return python + " -c 'import " + module + "' did not finish in 120 s";
            }
            if (p.exitValue() == 0) return null;
            String[] lines = out.split("\n");
            return python + " cannot import " + module + " (" + lines[lines.length - 1] + ")";
        } catch (IOException e) {
            return "cannot run " + python + " (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Runs the script with {@code args}; its stderr (progress) passes through, its stdout is the JSON. */
    public Output run(String python, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, "-"));
        command.addAll(this.args);
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (InputStream source = PythonPeer.class.getResourceAsStream("/peers/" + script);
                OutputStream stdin = p.getOutputStream()) {
            if (source == null) throw new IOException("peers/" + script + " is missing from the benchmarks jar");
            source.transferTo(stdin);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) throw new IOException(script + " exited with " + rc);
        try {
            Output o = new Gson().fromJson(out, Output.class);
            if (o == null || o.rows() == null) throw new JsonParseException("no rows");
            return o;
        } catch (JsonParseException e) {
            throw new IOException(script + " printed no results JSON (" + e.getMessage() + "): " + out.strip());
        }
    }
}
