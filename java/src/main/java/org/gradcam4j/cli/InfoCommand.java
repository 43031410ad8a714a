package org.gradcam4j.cli;

import java.util.concurrent.Callable;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.bench.MachineInfo;
import picocli.CommandLine.Command;

/** {@code gradcam4j info}: the backends this installation can use and why any is unavailable. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the available backends, devices and libraries.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("machine: " + MachineInfo.describe());
        try (CpuBackend cpu = new CpuBackend()) {
            System.out.println("cpu:  available - " + cpu.description());
        }
        System.out.println("cuda: unavailable - the CUDA engine is not part of this build yet");
        return Main.EXIT_OK;
    }
}
