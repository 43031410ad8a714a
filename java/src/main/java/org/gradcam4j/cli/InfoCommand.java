package org.gradcam4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.backend.cuda.CudaRuntime;
import org.gradcam4j.backend.cuda.NativeLibrary;
import org.gradcam4j.bench.MachineInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gradcam4j info}: the backends this installation can use and why any is unavailable, the CUDA devices and
 * library versions, and where the native library came from (or every place tried). Exits 0 either way: a machine
 * without CUDA is a valid answer, not an error.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the available backends, devices and libraries.")
final class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("machine: " + MachineInfo.describe());
        out.println("backends:");
        try (CpuBackend cpu = new CpuBackend()) {
            out.println("  cpu:  available - " + cpu.description());
        }
        CudaRuntime.Status s = CudaRuntime.status();
        out.println("  cuda: " + (s.available() ? "available"
                : "unavailable - " + (s.libraryLoaded() ? s.reason() : "the gradcam4j native library could not be loaded (places tried below)")));

        NativeLibrary.LoadResult lib = s.library();
        if (lib.loaded()) {
            out.println("native library: " + lib.path().orElseThrow());
            out.println("  found by: " + lib.source().map(NativeLibrary.Attempt::place).orElse("?"));
            out.println("  build: " + s.buildInfo());
        } else {
            out.println("native library: not loaded; tried, in order:");
            for (NativeLibrary.Attempt a : lib.attempts()) out.println("  - " + a);
            out.println("devices: unknown (no native library)");
            return Main.EXIT_OK;
        }
        out.println("CUDA driver: " + (s.driverVersion() == 0 ? "none (no NVIDIA driver)" : CudaRuntime.version(s.driverVersion())));
        out.println("CUDA runtime: " + CudaRuntime.version(s.runtimeVersion()) + " (linked into the native library)");
        if (!s.cudnnEngineBuilt()) {
            out.println("cuDNN: the native library was built without the cuDNN engine");
        } else if (!s.hasDevice()) {
            out.println("cuDNN: engine built (versions are reported with a device)");
        } else {
            try {
                out.println("cuDNN: " + CudaRuntime.cudnnVersions(0));
            } catch (RuntimeException e) {
                out.println("cuDNN: engine built, but creating a context on device 0 failed: " + Main.messageOf(e));
            }
        }
        if (s.hasDevice()) {
            out.println("devices:");
            for (CudaRuntime.Device d : s.devices()) out.println("  " + d.describe());
        } else {
            out.println("devices: none - " + s.deviceProblem().orElse("no CUDA device"));
        }
        return Main.EXIT_OK;
    }
}
