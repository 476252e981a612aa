package org.clengine.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.clengine.backend.Backend;
import org.clengine.onnx.OnnxTestRunner;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** ONNX backend node tests through the engine. */
@Command(name = "onnx-test", mixinStandardHelpOptions = true,
        description = "Runs ONNX backend node-test directories (model.onnx + test_data_set_*/input_*.pb, "
                + "output_*.pb) through the engine: pass/fail per case with max abs and relative error, 'skipped: "
                + "why' for what the engine lacks. Exit code 1 if any case fails. Debian's libonnx-testdata has them "
                + "under /usr/share/libonnx-testdata/data/{node,pytorch-converted}.")
final class OnnxTestCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "a test directory, or a folder of them")
    List<Path> paths;

    @Option(names = "--out", description = "write each produced output as DIR/<case>/output_<i>.pb")
    Path out;

    @Option(names = "--backend", description = "opencl (default) or reference", defaultValue = "opencl")
    String backend;

    @Option(names = {"-q", "--quiet"}, description = "print failures and the summary only")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        try (Backend b = backend.equals("reference") ? new ReferenceBackend() : OpenClBackend.open()) {
            List<OnnxTestRunner.Result> results;
            try {
                results = OnnxTestRunner.runAll(b, paths, out);
            } catch (IOException e) {
                // a path that is not there is the user's to fix: one line, not a stack trace
                throw new IllegalArgumentException("onnx-test: " + e.getMessage(), e);
            }
            if (results.isEmpty()) {
                throw new IllegalArgumentException("onnx-test: no test case (a folder with model.onnx) in " + paths);
            }
            long pass = 0, fail = 0, skip = 0;
            for (OnnxTestRunner.Result r : results) {
                switch (r.status()) {
                    case PASS -> pass++;
                    case FAIL -> fail++;
                    case SKIPPED -> skip++;
                }
                if (!quiet || r.status() == OnnxTestRunner.Status.FAIL) System.out.println(r);
            }
            System.out.printf("onnx-test on %s: %d passed, %d failed, %d skipped%n", b.name(), pass, fail, skip);
            return fail == 0 ? 0 : 1;
        }
    }
}
