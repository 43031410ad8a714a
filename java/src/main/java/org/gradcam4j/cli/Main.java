package org.gradcam4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gradcam4j} command. Exit codes: 0 success; 1 some inputs failed (batch runs report them and go
 * on); 2 bad usage or options; 3 a model or weights problem; 4 an internal error; 5 the output cannot be written
 * (unwritable {@code --out}, disk full): the run stops, since every later write would fail too; 6 a download
 * failed for a network or server reason (offline, refused, cut off): worth retrying, a partial file is kept.
 * Exit 2 comes from picocli's parse errors and from {@link org.gradcam4j.InvalidInputException} (validation of
 * options, names and user files); any other {@code IllegalArgumentException} is a library bug and exits 4.
 */
@Command(name = "gradcam4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Explain VGG16/VGG19 image classifications: Grad-CAM, Grad-CAM++, guided backprop and friends.",
        subcommands = {ClassifyCommand.class, ExplainCommand.class, LocalizeCommand.class, ScoreCommand.class, WeightsCommand.class,
                InfoCommand.class, BenchCommand.class, CanvasCommand.class, TrainCommand.class, EvalCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:some inputs failed (each is reported; the rest were processed)",
                "2:bad usage or input (an option, a name, a user file; the message names it)", "3:model or weights problem",
                "4:internal error (a bug; -Dgradcam4j.debug=true prints the stack trace)",
                "5:output cannot be written (the run stops)",
                "6:download failed: network or server (offline, refused, cut off); run again to resume",
                "7:out of memory (give Java more with GRADCAM4J_JAVA_OPTS=-Xmx..., or use a smaller --batch)"})
public final class Main {
    public static final int EXIT_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2, EXIT_MODEL = 3, EXIT_INTERNAL = 4,
            EXIT_OUTPUT = 5, EXIT_NETWORK = 6, EXIT_MEMORY = 7;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests and embedding). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, writing to {@code out} and {@code err} (null: System.out / System.err). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        if (out != null) cl.setOut(out);
        if (err != null) cl.setErr(err);
        // INPUTS may be `@list.txt`, read by the commands themselves (paths relative to the list, one per line);
        // picocli's own @-file expansion would split lines at spaces and resolve against the working directory.
        cl.setExpandAtFiles(false);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            int code = exitCodeOf(ex);
            String text = code == EXIT_MEMORY ? outOfMemory(ex) : "error: " + messageOf(ex);
            if (code == EXIT_INTERNAL && ex instanceof RuntimeException) {
                text = "internal error (a bug in gradcam4j, not in the command): " + ex.getClass().getSimpleName() + ": "
                        + messageOf(ex) + (org.gradcam4j.SystemProperty.DEBUG.flag() ? ""
                        : "\n(-Dgradcam4j.debug=true, e.g. through GRADCAM4J_JAVA_OPTS, prints the stack trace)");
            }
            cmd.getErr().println(cmd.getColorScheme().errorText(text));
            if (org.gradcam4j.SystemProperty.DEBUG.flag()) ex.printStackTrace(cmd.getErr());
            return code;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {   // picocli passes Errors thrown on the calling thread through
            cl.getErr().println(cl.getColorScheme().errorText(outOfMemory(e)));
            return EXIT_MEMORY;
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    public static int exitCodeOf(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) return EXIT_MEMORY;   // also when a worker thread's failure carries it
        }
        if (ex instanceof org.gradcam4j.weights.WeightsException) return EXIT_MODEL;
        if (ex instanceof OutputException) return EXIT_OUTPUT;
        if (ex instanceof org.gradcam4j.weights.DownloadException) return EXIT_NETWORK;
        // only validation is bad usage: any other IllegalArgumentException is a precondition broken inside the library
        if (ex instanceof org.gradcam4j.InvalidInputException) return EXIT_USAGE;
        return EXIT_INTERNAL;
    }

    /** What a user reads when Java ran out of heap or direct memory: which, and the two ways out. */
    static String outOfMemory(Throwable ex) {
        Throwable t = ex;
        while (!(t instanceof OutOfMemoryError) && t.getCause() != null) t = t.getCause();
        long maxMiB = Runtime.getRuntime().maxMemory() >> 20;
        return "error: out of memory (" + messageOf(t) + "; Java may use " + maxMiB + " MiB of heap, and as much direct "
                + "memory unless -XX:MaxDirectMemorySize says otherwise): give it more with GRADCAM4J_JAVA_OPTS=-Xmx16g "
                + "(the launcher's default is -Xmx8g), or use a smaller --batch";
    }

    public static String messageOf(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"gradcam4j " + (v == null ? "(development build)" : v)};
        }
    }
}
