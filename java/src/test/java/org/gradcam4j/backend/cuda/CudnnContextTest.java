package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The owner of a native context frees it exactly once and refuses use after close (no native code needed). */
class CudnnContextTest {
    @Test
    void closeFreesOnceAndUseAfterCloseThrows() {
        List<Long> freed = new ArrayList<>();
        CudnnContext c = new CudnnContext(0x1234L, 2, freed::add);
        assertEquals(0x1234L, c.handle());
        assertFalse(c.isClosed());

        c.close();
        c.close();
        assertEquals(List.of(0x1234L), freed);
        assertTrue(c.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, c::handle);
        assertTrue(e.getMessage().contains("device 2"), e.getMessage());
        assertThrows(IllegalStateException.class, c::versions);  // checked before any native call
    }

    @Test
    void aNullHandleIsNeverOwned() {
        assertThrows(IllegalArgumentException.class, () -> new CudnnContext(0, 0, h -> { }));
    }
}
