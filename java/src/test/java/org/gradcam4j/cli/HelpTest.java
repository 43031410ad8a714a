package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "classify", "explain", "localize", "score", "info", "bench", "bench cpu", "bench cuda", "bench conv", "bench kernels", "bench augmented", "bench methods", "weights", "weights fetch", "weights list", "canvases", "train", "eval"})
    void helpWorksForEveryCommand(String command) {
        String[] words = command.isEmpty() ? new String[0] : command.split(" ");
        String[] args = java.util.Arrays.copyOf(words, words.length + 1);
        args[words.length] = "--help";
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Usage: gradcam4j"), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"classify", "explain", "weights"})
    void helpCommandListsTheNewCommands(String command) {
        CliRun r = CliRun.of("--help");
        assertTrue(r.out().contains(command), r.toString());
    }

    /** The method lists of the help are generated from the one method table: every token appears. */
    @ParameterizedTest
    @ValueSource(strings = {"explain", "eval"})
    void helpListsEveryMethodOfTheTable(String command) {
        CliRun r = CliRun.of(command, "--help");
        String flat = r.out().replaceAll("\\s+", " ");
        for (org.gradcam4j.method.Method m : org.gradcam4j.method.Method.values()) {
            assertTrue(flat.contains(" " + m.token() + ",") || flat.contains(" " + m.token() + " "), m.token() + " missing from " + command + " --help:\n" + r.out());
        }
    }
}
