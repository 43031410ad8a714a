package org.gradcam4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a peer process (tools/bench_torch.py, or tools/OrtPeer.java for ONNX Runtime) and reads its header line
 * ({@code torch ...} / {@code ort ...}), {@code row ...} and {@code peak ...} lines.
 */
final class TorchPeer {
    private TorchPeer() {}

    /**
     * @param header  the {@code torch ...} line without "torch " (versions, device), or null
     * @param seconds median seconds per row
     * @param peak    peak device bytes per row (CUDA runs only)
     * @param problem why there are no rows (cannot start, non-zero exit with its output), or null
     * @param output  everything the process printed
     */
    record Result(String header, Map<String, Double> seconds, Map<String, Long> peak, String problem, String output) {}

    static Result run(List<String> cmd) throws InterruptedException { return run(cmd, "torch "); }

    /** @param headerPrefix the start of the peer's header line, dropped from {@link Result#header} */
    static Result run(List<String> cmd, String headerPrefix) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(null, Map.of(), Map.of(), "cannot start " + cmd.get(0) + " (" + e.getMessage() + ")", "");
        }
        String header = null;
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, Long> peak = new LinkedHashMap<>();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.append(line).append('\n');
                String[] f = line.split(" ");
                if (line.startsWith(headerPrefix) && header == null) header = line.substring(headerPrefix.length());
                else if (f.length >= 3 && f[0].equals("row")) seconds.put(f[1], Double.parseDouble(f[2]));
                else if (f.length >= 3 && f[0].equals("peak")) peak.put(f[1], Long.parseLong(f[2]));
            }
        } catch (IOException e) {
            return new Result(header, seconds, peak, "reading its output failed: " + e.getMessage(), log.toString());
        }
        String problem = p.waitFor() != 0 ? "the peer (" + cmd.get(0) + ") exited with " + p.exitValue() + ":\n" + log : null;
        return new Result(header, seconds, peak, problem, log.toString());
    }
}
