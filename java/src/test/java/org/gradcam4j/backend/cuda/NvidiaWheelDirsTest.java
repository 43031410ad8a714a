package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradcam4j.testing.SystemPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cmake/nvidia_wheel_dirs.py}, the build's finder for cuDNN and cuBLAS pip wheels, on fake
 * {@code site-packages/nvidia} trees in both wheel layouts: CUDA 13's one {@code nvidia/cu13/{include,lib}} tree
 * (which also holds the CUDA runtime's headers, which must not shadow the toolkit's) and the per-library folders
 * {@code nvidia/cudnn}, {@code nvidia/cublas}. Needs only a Python 3 (skips without one).
 */
class NvidiaWheelDirsTest {
    @TempDir Path tmp;

    @Test
    void cuda13TreeIsFoundWithVersionedSonamesAndOnlyTheLibraryHeadersStaged() throws IOException {
        Path site = tmp.resolve("site-packages");
        Path cu13 = site.resolve("nvidia/cu13");
        touch(cu13.resolve("include/cublas_v2.h"), cu13.resolve("include/cublas_api.h"), cu13.resolve("include/cublasLt.h"),
                cu13.resolve("include/cuda_runtime_api.h"), cu13.resolve("include/driver_types.h"),
                cu13.resolve("lib/libcublasLt.so.13"), cu13.resolve("lib/libcublas.so.13"), cu13.resolve("lib/libnvrtc.so.13"));
        Path cudnn = site.resolve("nvidia/cudnn");
        touch(cudnn.resolve("include/cudnn.h"), cudnn.resolve("include/cudnn_version.h"), cudnn.resolve("include/cudnn_cnn.h"),
                cudnn.resolve("lib/libcudnn.so.9"), cudnn.resolve("lib/libcudnn_cnn.so.9"));
        Path stage = tmp.resolve("stage");

        Map<String, String> found = run("--root", site.toString(), "--stage", stage.toString(), "--cuda-major", "13");
        assertEquals(cu13.resolve("lib/libcublas.so.13").toString(), found.get("cublas_library"), "not libcublasLt, the versioned soname");
        assertEquals(cudnn.resolve("lib/libcudnn.so.9").toString(), found.get("cudnn_library"));

        Path cublasInclude = Path.of(found.get("cublas_include"));
        assertEquals(stage.resolve("cublas"), cublasInclude);
        assertTrue(Files.exists(cublasInclude.resolve("cublas_v2.h")));
        assertTrue(Files.exists(cublasInclude.resolve("cublas_api.h")), "cublas_v2.h includes it by quotes");
        assertFalse(Files.exists(cublasInclude.resolve("cuda_runtime_api.h")), "the wheel's runtime headers must not shadow the toolkit's");
        assertFalse(Files.exists(cublasInclude.resolve("driver_types.h")));
        Path cudnnInclude = Path.of(found.get("cudnn_include"));
        assertTrue(Files.exists(cudnnInclude.resolve("cudnn.h")) && Files.exists(cudnnInclude.resolve("cudnn_version.h")));

        // Without --stage the wheel's own folders are reported.
        Map<String, String> raw = run("--root", site.toString());
        assertEquals(cu13.resolve("include").toString(), raw.get("cublas_include"));
        assertEquals(cu13.resolve("lib/libcublas.so.13").toString(), raw.get("cublas_library"));
    }

    @Test
    void perLibraryFoldersAreFoundAndAnotherCudaMajorIsRefused() throws IOException {
        Path site = tmp.resolve("site-packages");
        Path cublas = site.resolve("nvidia/cublas");
        touch(cublas.resolve("include/cublas_v2.h"), cublas.resolve("include/cublas_api.h"),
                cublas.resolve("lib/libcublasLt.so.12"), cublas.resolve("lib/libcublas.so.12"));
        Path cudnn = site.resolve("nvidia/cudnn");
        touch(cudnn.resolve("include/cudnn.h"), cudnn.resolve("include/cudnn_version.h"), cudnn.resolve("lib/libcudnn.so.9"),
                cudnn.resolve("lib/libcudnn.so"));

        Map<String, String> for12 = run("--root", site.toString(), "--cuda-major", "12");
        assertEquals(cublas.resolve("include").toString(), for12.get("cublas_include"));
        assertEquals(cublas.resolve("lib/libcublas.so.12").toString(), for12.get("cublas_library"));
        assertEquals(cudnn.resolve("lib/libcudnn.so.9").toString(), for12.get("cudnn_library"), "versioned soname before libcudnn.so");

        // A CUDA 13 toolkit must not link the CUDA 12 cuBLAS: not found, so the engine is skipped, loudly.
        Map<String, String> for13 = run("--root", site.toString(), "--cuda-major", "13");
        assertEquals("", for13.get("cublas_library"));
        assertEquals(cudnn.resolve("lib/libcudnn.so.9").toString(), for13.get("cudnn_library"));
    }

    @Test
    void bothLayoutsTogetherPreferTheToolkitsMajor() throws IOException {
        Path site = tmp.resolve("site-packages");
        touch(site.resolve("nvidia/cublas/include/cublas_v2.h"), site.resolve("nvidia/cublas/lib/libcublas.so.12"),
                site.resolve("nvidia/cu13/include/cublas_v2.h"), site.resolve("nvidia/cu13/lib/libcublas.so.13"));
        assertEquals(site.resolve("nvidia/cu13/lib/libcublas.so.13").toString(),
                run("--root", site.toString(), "--cuda-major", "13").get("cublas_library"));
        assertEquals(site.resolve("nvidia/cublas/lib/libcublas.so.12").toString(),
                run("--root", site.toString(), "--cuda-major", "12").get("cublas_library"));
        assertEquals(site.resolve("nvidia/cu13/lib/libcublas.so.13").toString(),
                run("--root", site.toString()).get("cublas_library"), "no major given: the newest layout first");
    }

    private static void touch(Path... files) throws IOException {
        for (Path f : files) {
            Files.createDirectories(f.getParent());
            Files.writeString(f, "");
        }
    }

    private static Map<String, String> run(String... args) throws IOException {
        assumeTrue(Files.isExecutable(SystemPython.PYTHON), SystemPython.PYTHON + " not found");
        List<String> a = new ArrayList<>();
        a.add(SystemPython.repoRoot().resolve("cmake/nvidia_wheel_dirs.py").toString());
        a.addAll(List.of(args));
        SystemPython.Result r = SystemPython.run(60, a.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.output());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.output().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) out.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        assertEquals(List.of("cudnn_include", "cudnn_library", "cublas_include", "cublas_library"), List.copyOf(out.keySet()), r.output());
        return out;
    }
}
