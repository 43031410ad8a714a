package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gradcam4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 12, item 3: the top-level help, silent clamps turned into errors, and exit 2 only for validation. */
class UsageErrorsTest {
    @TempDir Path root;

    @Test
    void topLevelHelpShowsEachCommandsWholeFirstSentence() {
        String help = CliRun.of("--help").out().replaceAll("\\s+", " ");
        CommandLine cl = new CommandLine(new Main());
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue; // picocli's own
            String[] description = e.getValue().getCommandSpec().usageMessage().description();
            assertTrue(description.length > 0, e.getKey());
            String first = description[0].strip();
            assertTrue(first.endsWith("."), e.getKey() + ": the command list shows only the first line, which must be a sentence: " + first);
            assertTrue(help.contains(first.replaceAll("\\s+", " ")), e.getKey() + " in\n" + help);
        }
    }

    @Test
    void topKAboveTheClassCountIsAnError() throws IOException {
        Path img = CliRun.image(root.resolve("a.png"), 64, 64, "png");
        // the demo model has the 10 Fashion-MNIST classes
        CliRun classify = CliRun.of("classify", img.toString(), "--weights", "demo", "--top-k", "11");
        assertEquals(Main.EXIT_USAGE, classify.exit(), classify.toString());
        assertTrue(classify.err().contains("--top-k 11 is more than the model's 10 classes"), classify.toString());
        CliRun explain = CliRun.of("explain", img.toString(), "--weights", "demo", "--top-k", "11", "--out", root.resolve("out").toString());
        assertEquals(Main.EXIT_USAGE, explain.exit(), explain.toString());
        assertTrue(explain.err().contains("--top-k 11 is more than the model's 10 classes"), explain.toString());
        assertFalse(Files.exists(root.resolve("out").resolve("a")), "nothing is computed");
        CliRun all = CliRun.of("classify", img.toString(), "--weights", "demo", "--top-k", "10");
        assertEquals(Main.EXIT_OK, all.exit(), all.toString());
    }

    @Test
    void threadsZeroIsAnError() throws IOException {
        Path img = CliRun.image(root.resolve("a.png"), 64, 64, "png");
        for (String command : new String[] {"classify", "explain"}) {
            CliRun r = CliRun.of(command, img.toString(), "--weights", "demo", "--threads", "0", "--out", root.resolve("o").toString());
            if (command.equals("classify")) r = CliRun.of(command, img.toString(), "--weights", "demo", "--threads", "0");
            assertEquals(Main.EXIT_USAGE, r.exit(), r.toString());
            assertTrue(r.err().contains("--threads must be >= 1, got 0 (omit it to use all cores)"), r.toString());
        }
        CliRun train = CliRun.of("train", "--data", root.toString(), "--out", root.resolve("m.h5").toString(), "--threads", "0");
        assertEquals(Main.EXIT_USAGE, train.exit(), train.toString());
        assertTrue(train.err().contains("--threads must be >= 1"), train.toString());
    }

    @Test
    void canvasesWithoutFashionMnistIsUsageWithTheInstallHint() {
        Path out = root.resolve("canvases");
        CliRun r = CliRun.of("canvases", "--out", out.toString(), "--mnist", root.resolve("no-such-dir").toString(),
                "--train", "5", "--test", "5");
        assertEquals(Main.EXIT_USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("apt-get install dataset-fashion-mnist") && r.err().contains("--mnist DIR"), r.toString());
        assertFalse(r.err().contains("internal error"), r.toString());
        assertFalse(Files.exists(out), "nothing is written before the data set is found");
    }

    @Test
    void onlyValidationIsBadUsage() {
        assertEquals(Main.EXIT_USAGE, Main.exitCodeOf(new InvalidInputException("--x must be 1")));
        // a broken precondition inside the library is a bug: internal error, not the user's usage
        assertEquals(Main.EXIT_INTERNAL, Main.exitCodeOf(new IllegalArgumentException("map must be (H x W)")));
        assertEquals(Main.EXIT_INTERNAL, Main.exitCodeOf(new IllegalStateException("x")));
    }
}
