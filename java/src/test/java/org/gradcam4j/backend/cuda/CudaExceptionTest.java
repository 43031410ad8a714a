package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The parts of a native error message (native/check.h's format) are available separately. */
class CudaExceptionTest {
    @Test
    void carriesTheFailingCallAndWhereItFailed() {
        CudaException e = new CudaOutOfMemoryException("CUDA error 2 (cudaErrorMemoryAllocation: out of memory) in "
                + "`cudaMalloc(&p, n * sizeof(float))` at device_buffer.h:41 (allocate)");
        assertEquals("cudaMalloc(&p, n * sizeof(float))", e.failingCall().orElseThrow());
        assertEquals("CUDA", e.api().orElseThrow());
        assertEquals(2, e.errorCode().orElseThrow());
        assertEquals("cudaErrorMemoryAllocation: out of memory", e.errorString().orElseThrow());
        assertEquals("device_buffer.h:41 (allocate)", e.location().orElseThrow());
    }

    @Test
    void aFreeFormMessageHasNoParts() {
        CudaException e = new CudaException("gradcam4j native: CUDA device 3 requested, 1 present");
        assertTrue(e.failingCall().isEmpty());
        assertTrue(e.errorCode().isEmpty());
        assertTrue(e.location().isEmpty());
    }
}
