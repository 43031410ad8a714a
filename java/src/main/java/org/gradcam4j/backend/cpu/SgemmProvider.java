package org.gradcam4j.backend.cpu;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Picks the SGEMM implementation once per JVM and remembers why. */
final class SgemmProvider {
    private static final Logger LOG = Logger.getLogger(SgemmProvider.class.getName());
    static volatile String fallbackReason = null;
    static final Sgemm BEST = choose();

    private SgemmProvider() {}

    private static Sgemm choose() {
        String pref = org.gradcam4j.SystemProperty.BLAS.value();
        if (pref.equalsIgnoreCase("java")) {
            fallbackReason = "pure-Java GEMM requested (gradcam4j.blas=java)";
            return new JavaSgemm();
        }
        try {
            return new OpenBlasSgemm();
        } catch (Throwable t) {
            fallbackReason = "OpenBLAS could not be loaded (" + t + "); using the pure-Java GEMM";
            LOG.log(Level.WARNING, fallbackReason);
            return new JavaSgemm();
        }
    }
}
