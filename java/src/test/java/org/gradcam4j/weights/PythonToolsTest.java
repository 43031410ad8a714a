package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.Preprocessing;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python tools against the Java readers, on the narrow16 test network: make_test_weights.py
 * writes one seeded parameter set in every convention; the converters' output and the Java Keras
 * reader must all give back exactly the parameters of reference.h5 (float32 copies and
 * transpositions only, so equality is exact). Skipped when Debian's python3 with torch, numpy and
 * h5py is not installed.
 */
class PythonToolsTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path TOOLS = Path.of(System.getProperty("user.dir")).resolve("tools");  // the tests run in the repository root

    @TempDir static Path dir;
    static Model reference;

    @BeforeAll
    static void generate() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
        assumeTrue(Files.isDirectory(TOOLS), "no tools/ directory at " + TOOLS);
        assumeTrue(run("-c", "import torch, numpy, h5py").exit == 0, "python3 lacks torch, numpy or h5py");
        runOk(TOOLS.resolve("make_test_weights.py").toString(), "--out", dir.toString(), "--arch", "narrow16", "--seed", "5");
        reference = ModelLoader.load(dir.resolve("reference.h5"), null);
        assertEquals(TestNets.narrow16(), reference.architecture());
    }

    @Test
    void torchvisionConverterKeepsTheStateDict() throws Exception {
        Path out = dir.resolve("tv.h5");
        runOk(TOOLS.resolve("convert_torchvision.py").toString(), dir.resolve("torchvision.pth").toString(), out.toString(), "--arch", "narrow16");
        Model m = ModelLoader.load(out, null);
        assertEquals(TestNets.narrow16(), m.architecture());
        assertEquals(Preprocessing.torchvision(), m.preprocessing());
        assertEquals(ClassLabels.numbered(10).ids(), m.labels().ids());
        // h5py aligns what the Python writer stores, so the Java reader maps it (weights/FORMAT.md, "Alignment")
        for (String layer : new String[] {"block1_conv1", "fc1", "predictions"}) {
            long at = CanonicalModelFile.dataAddresses(out, java.util.List.of("params/" + layer + "/kernel")).values().iterator().next();
            assertEquals(0, at % CanonicalModelFile.ALIGNMENT, layer + " at " + at);
            org.junit.jupiter.api.Assertions.assertNotNull(m.weights().kernel(layer).direct(), layer + " is not a mapped view");
        }
        KerasWeightsTest.assertSameParams(reference, m);
    }

    @Test
    void npyConverterUndoesTheKerasLayout() throws Exception {
        Path out = dir.resolve("npy.h5");
        runOk(TOOLS.resolve("convert_npy.py").toString(), dir.resolve("weights.npy").toString(), out.toString(), "--arch", "narrow16");
        Model m = ModelLoader.load(out, null);
        assertEquals(Preprocessing.keras(), m.preprocessing());
        KerasWeightsTest.assertSameParams(reference, m);
    }

    @Test
    void javaReadsH5pyKerasFilesInEveryStyle() {
        for (String f : List.of("keras_new.h5", "keras_old.h5", "keras_model.h5")) {
            Model m = KerasWeights.load(dir.resolve(f), TestNets.narrow16());
            assertEquals(TestNets.narrow16(), m.architecture(), f);
            KerasWeightsTest.assertSameParams(reference, m);
        }
        Model notop = ModelLoader.load(dir.resolve("keras_notop.h5"), null);
        assertEquals(Head.NONE, notop.architecture().head());
        assertArrayEquals(reference.weights().kernel("block5_conv3").data(), notop.weights().kernel("block5_conv3").data());
    }

    @Test
    void layoutsAgreeByForwardPass() throws Exception {
        assertTrue(runOk(TOOLS.resolve("check_layouts.py").toString(), "--arch", "narrow19").contains("OK"));
    }

    @Test
    void h5pyReadsWhatJavaWrites() throws Exception {
        Model src = TestNets.randomModel(TestNets.narrow16(), 51);
        ClassLabels labels = new ClassLabels(List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"),
                List.of("tench, Tinca tinca", "café", "b", "c", "d", "e", "f", "g", "h", "i"));
        src = new Model(src.architecture(), Preprocessing.torchvision(), labels, src.weights(), "written by java");
        Path file = dir.resolve("from-java.h5");
        CanonicalModelFile.write(src, file);
        String script = String.join("\n",
                "import sys; sys.path.insert(0, sys.argv[1])",
                "import vgg_layouts as V, numpy as np",
                "m = V.read_canonical_h5(sys.argv[2])",
                "s = V.spec('narrow16')",
                "assert m['format'] == 'gradcam4j-model' and m['format_version'] == 1, m['format']",
                "assert m['arch'] == 'narrow16' and m['head'] == 'fc' and m['channel_order'] == 'RGB', m",
                "assert m['convs_per_block'] == [2, 2, 3, 3, 3] and m['widths'] == [4, 8, 8, 16, 16] and m['fc_widths'] == [32, 32]",
                "assert m['labels'][1][1] == 'café' and m['labels'][0][9] == 'n9', m['labels']",
                "V.check_canonical(m['params'], s)",
                "k = m['params']['fc1'][0]",
                "print('fc1', k.dtype, k.shape)",
                "print('value', float(k[3, 17]).hex())",
                "print('source', m['source'])");
        String out = runOk("-c", script, TOOLS.toString(), file.toString());
        assertTrue(out.contains("fc1 float32 (32, 64)"), out);
        String hex = out.lines().filter(l -> l.startsWith("value ")).findFirst().orElseThrow().substring(6).strip();
        // canonical (o, i) = (3, 17) on both sides: h5py sees the same layout Java wrote
        assertEquals(src.weights().kernel("fc1").get(3, 17), (float) Double.parseDouble(hex), out);
        assertTrue(out.contains("source written by java"), out);
    }

    // ---- process plumbing --------------------------------------------------------------------------------

    record Result(int exit, String output) {}

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(PYTHON.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String runOk(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        assertEquals(0, r.exit, "python3 " + String.join(" ", args) + " failed:\n" + r.output);
        return r.output;
    }
}
