package org.gradcam4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What CUDA this process can use: whether the native library loaded, its build, the driver and runtime versions,
 * the devices, and whether the cuDNN engine was built into the library. {@link #status()} never throws; when the
 * CUDA backend cannot run, {@link Status#reason()} says why in one sentence.
 */
public final class CudaRuntime {
    private static final String ENGINE_BUILT = "cuDNN engine: built";

    private CudaRuntime() {}

    /**
     * One device.
     *
     * @param totalMemory bytes, or -1 when the library predates the query
     */
    public record Device(int index, String name, int major, int minor, long totalMemory) {
        public String computeCapability() { return major + "." + minor; }

        /** "0: NVIDIA H100 80GB HBM3, compute capability 9.0, 79.1 GiB". */
        public String describe() {
            return index + ": " + name + ", compute capability " + computeCapability()
                    + (totalMemory >= 0 ? String.format(Locale.ROOT, ", %.1f GiB", totalMemory / (double) (1L << 30)) : "");
        }
    }

    /**
     * @param library          how loading the native library went (every place tried, or where it came from)
     * @param buildInfo        the library's build line; empty when it is not loaded
     * @param driverVersion    CUDA version the driver supports ({@code 12040} = 12.4); 0 without a driver or library
     * @param runtimeVersion   CUDA runtime in the library; 0 without the library
     * @param devices          the usable devices (none when the driver is missing or too old)
     * @param cudnnEngineBuilt whether the library carries the cuDNN engine
     * @param problem          why the CUDA backend cannot be opened; empty when it can
     */
    public record Status(NativeLibrary.LoadResult library, String buildInfo, int driverVersion, int runtimeVersion,
                         List<Device> devices, boolean cudnnEngineBuilt, Optional<String> problem) {
        public Status {
            devices = List.copyOf(devices);
        }

        public boolean libraryLoaded() { return library.loaded(); }

        public boolean hasDevice() { return !devices.isEmpty(); }

        /** Library, device and cuDNN engine all present: {@link CudaBackend#open()} will not refuse. */
        public boolean available() { return problem.isEmpty(); }

        /** @throws CudaUnavailableException when {@code device} is not one of the devices present */
        void requireDeviceIndex(int device) {
            if (device < 0 || device >= devices.size()) {
                throw new CudaUnavailableException("CUDA device " + device + " requested, " + devices.size() + " present");
            }
        }

        /** Why the CUDA backend is unavailable, or "available". */
        public String reason() { return problem.orElse("available"); }

        /** Why there is no usable device, or empty when there is one (the kernels need only a device). */
        public Optional<String> deviceProblem() {
            if (hasDevice()) return Optional.empty();
            return problem;
        }
    }

    /** Queries the library and the driver (loading the library on first use). */
    public static Status status() {
        NativeLibrary.LoadResult lib = NativeLibrary.load();
        if (!lib.loaded()) {
            return new Status(lib, "", 0, 0, List.of(), false, Optional.of(lib.summary()));
        }
        String build = "";
        int driver = 0, runtime = 0;
        List<Device> devices = new ArrayList<>();
        try {
            build = CudaNative.buildInfo();
            driver = CudaNative.driverVersion();
            runtime = CudaNative.runtimeVersion();
            int count = CudaNative.deviceCount();
            for (int d = 0; d < count; d++) {
                int[] cc = CudaNative.computeCapability(d);
                devices.add(new Device(d, CudaNative.deviceName(d), cc[0], cc[1], totalMemory(d)));
            }
        } catch (CudaException e) {
            return new Status(lib, build, driver, runtime, devices, engineBuilt(build),
                    Optional.of("querying CUDA failed: " + e.getMessage()));
        }
        boolean engine = engineBuilt(build);
        Optional<String> problem = Optional.empty();
        if (devices.isEmpty()) {
            problem = Optional.of(noDeviceReason(driver, runtime));
        } else if (!engine) {
            problem = Optional.of("the native library was built without the cuDNN engine (cuDNN 9 and cuBLAS were not "
                    + "found when it was built; see native/README.md)");
        }
        return new Status(lib, build, driver, runtime, devices, engine, problem);
    }

    /** "13.0" for 13000; "none" for 0. */
    public static String version(int cudaVersion) {
        if (cudaVersion <= 0) return "none";
        return cudaVersion / 1000 + "." + (cudaVersion % 1000) / 10;
    }

    /**
     * The cuDNN and cuBLAS versions as loaded on {@code device} (this creates, and frees, an engine context).
     *
     * @throws CudaUnavailableException when there is no such device or the engine is not built
     */
    public static String cudnnVersions(int device) {
        Status s = status();
        if (!s.libraryLoaded() || !s.cudnnEngineBuilt() || device < 0 || device >= s.devices().size()) {
            throw new CudaUnavailableException(s.available() ? "no CUDA device " + device : s.reason());
        }
        try (CudnnContext context = CudnnContext.create(device)) {
            return context.versions();
        }
    }

    /**
     * Runs the kernel parity suite on {@code device} through JNI and returns its table (last line
     * {@code overall: PASS|FAIL (...)}).
     *
     * @throws CudaUnavailableException when the library is not loaded
     * @throws CudaException            when a CUDA call fails (no such device, driver error)
     */
    public static String selfTest(int device, boolean quick) {
        NativeLibrary.LoadResult lib = NativeLibrary.load();
        if (!lib.loaded()) throw new CudaUnavailableException(lib.summary());
        return CudaNative.selfTest(device, quick);
    }

    private static boolean engineBuilt(String buildInfo) { return buildInfo.endsWith(ENGINE_BUILT); }

    private static long totalMemory(int device) {
        try {
            return CudaNative.totalMemory(device);
        } catch (UnsatisfiedLinkError e) {
            return -1;  // a library built before the query existed
        }
    }

    private static String noDeviceReason(int driver, int runtime) {
        if (driver == 0) return "no CUDA device: no NVIDIA driver is installed";
        if (driver < runtime) {
            return "no CUDA device: the NVIDIA driver supports CUDA " + version(driver) + ", older than the CUDA "
                    + version(runtime) + " runtime the native library was built with (update the driver)";
        }
        return "no CUDA device: the NVIDIA driver (CUDA " + version(driver) + ") reports no GPU";
    }
}
