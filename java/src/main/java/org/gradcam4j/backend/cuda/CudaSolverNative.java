package org.gradcam4j.backend.cuda;

/** The native methods of {@code native/jni_tv_solver.cpp} (every build of the library has them). */
final class CudaSolverNative {
    private CudaSolverNative() {}

    static native void solveDefault(int device, int size, int[] rowStart, int[] column, float[] weight, int problems,
                                    double[] observations, double[] powerStart, double[] settings, int[] limits,
                                    float[] maps, double[] stats);

    static native void solveSeed(int device, int size, int[] rowStart, int[] column, float[] weight, int problems,
                                 double[] observations, double[] settings, int steps, float[] maps, double[] stats);
}
