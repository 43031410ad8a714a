package org.gradcam4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of the machine for benchmark tables. */
public final class MachineInfo {
    private MachineInfo() {}

    public static String describe() {
        String cpu = System.getProperty("os.arch");
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (Exception ignored) {
            // not Linux: keep os.arch
        }
        long mem = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal")) mem = Long.parseLong(l.replaceAll("\\D", "")) / (1024 * 1024);
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores" + (mem > 0 ? ", " + mem + " GiB" : "")
                + ", Java " + System.getProperty("java.version");
    }
}
