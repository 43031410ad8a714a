package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The CAM-family request refuses inconsistent asks with a message naming the problem. */
class CamRequestTest {
    private static final Tensor SEEDS = BackwardRequest.oneHot(new int[] {1, 2}, 4);

    private static CamRequest request(int[] imageOf, int[] classOf, Set<Method> methods, Tensor linear, Set<Method> products) {
        return new CamRequest(SEEDS, imageOf, classOf, "block5_conv3", methods, linear, 8, Set.of(), products);
    }

    @Test
    void inconsistentRequestsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> request(new int[] {0}, new int[] {1, 2}, Set.of(Method.GRADCAM), null, Set.of()));
        assertTrue(e.getMessage().contains("for 2 seeds"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> request(new int[] {0, 0}, new int[] {1, 2}, Set.of(Method.GRADCAM), null, Set.of(Method.GRADCAM_PP)));
        assertTrue(e.getMessage().contains("guided products"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> request(new int[] {0, 0}, new int[] {1, 2}, Set.of(Method.CAM), null, Set.of()));
        assertTrue(e.getMessage().contains("CAM needs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CamRequest(SEEDS, new int[] {0, 0}, new int[] {1, 2}, "block5_conv3",
                Set.of(Method.GRADCAM), null, 0, Set.of(), Set.of()));
    }

    @Test
    void needsInputOnlyForInputGradientsOrProducts() {
        assertFalse(request(new int[] {0, 0}, new int[] {1, 2}, Set.of(Method.GRADCAM), null, Set.of()).needsInput());
        assertTrue(request(new int[] {0, 0}, new int[] {1, 2}, Set.of(Method.GRADCAM), null, Set.of(Method.GRADCAM)).needsInput());
        assertTrue(new CamRequest(SEEDS, new int[] {0, 0}, new int[] {1, 2}, "block5_conv3", Set.of(), null, 8, Set.of(ReluRule.GUIDED),
                Set.of()).needsInput());
    }
}
