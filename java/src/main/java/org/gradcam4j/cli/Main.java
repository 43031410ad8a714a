package org.gradcam4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gradcam4j} command. Exit codes: 0 success; 1 some inputs failed (batch runs report them and go
 * on); 2 bad usage or options; 3 a model or weights problem; 4 an internal error.
 */
@Command(name = "gradcam4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Explain VGG16/VGG19 image classifications: Grad-CAM, Grad-CAM++, guided backprop and friends.",
        subcommands = {InfoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:some inputs failed (each is reported; the rest were processed)",
                "2:bad usage or options", "3:model or weights problem", "4:internal error"})
public final class Main {
    public static final int EXIT_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2, EXIT_MODEL = 3, EXIT_INTERNAL = 4;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests and embedding). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("error: " + messageOf(ex)));
            if (Boolean.getBoolean("gradcam4j.debug")) ex.printStackTrace(cmd.getErr());
            return ex instanceof org.gradcam4j.weights.WeightsException ? EXIT_MODEL
                    : ex instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_INTERNAL;
        });
        return cl.execute(args);
    }

    static String messageOf(Throwable t) {
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
