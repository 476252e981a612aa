package org.clengine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./clengine}: the command line. Each subcommand is a class of its own. */
@Command(name = "clengine", mixinStandardHelpOptions = true, version = "clengine 0.1.0",
        description = "OpenCL compute engine for the JVM: batch normalization, GEMM, convolution.",
        subcommands = {DevicesCommand.class, VerifyCommand.class, TestCommand.class, BenchCommand.class,
            OnnxTestCommand.class, OnnxRunCommand.class, TuneCommand.class, TrainCommand.class, ExperimentCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * Runs the command line in this JVM, as main does but without exiting, writing to {@code out} and {@code err};
     * returns the exit code. For launchers that run a command inside a JVM they do not own (spark/'s barrier tasks).
     */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    /** The command line as main runs it (tests execute it in-process). */
    static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Main::failure);
    }

    /**
     * A failure the user can act on is one line, not a stack trace: no OpenCL (exit 3), a bad argument such as a
     * device spec that matches nothing (exit 2). Anything else is a bug and keeps its trace (exit 1).
     */
    private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof org.clengine.device.OpenClUnavailableException) {
            cmd.getErr().println("clengine: " + e.getMessage());
            return 3;
        }
        if (e instanceof org.clengine.distributed.CollectiveException) {
            // another rank failed, refused this one or timed out: the message names the rank and the reason
            cmd.getErr().println("clengine: " + e.getMessage());
            return 4;
        }
        if (e instanceof IllegalArgumentException) {
            cmd.getErr().println("clengine: " + e.getMessage());
            return 2;
        }
        e.printStackTrace(cmd.getErr());
        return 1;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
