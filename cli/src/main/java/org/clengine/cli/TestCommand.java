package org.clengine.cli;

import picocli.CommandLine.Command;

/** Listed for --help; the launcher runs the Maven test build itself, before any Java starts. */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Runs the whole test suite (mvn verify). Handled by the ./clengine launcher.")
final class TestCommand implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("run the tests through the launcher: ./clengine test");
        return 2;
    }
}
