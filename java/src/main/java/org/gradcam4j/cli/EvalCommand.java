package org.gradcam4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "eval", description = "placeholder")
final class EvalCommand implements Callable<Integer> {
    @Override public Integer call() { return 0; }
}
