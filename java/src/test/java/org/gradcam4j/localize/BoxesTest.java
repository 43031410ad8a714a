package org.gradcam4j.localize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gradcam4j.image.Box;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class BoxesTest {
    @Test
    void largestEightConnectedComponentAboveThreshold() {
        Tensor m = Tensor.zeros(8, 10);
        // component A: a diagonal of 4 pixels (8-connected only), plus one strong pixel that sets the max
        for (int i = 0; i < 4; i++) m.data()[(1 + i) * 10 + 1 + i] = 0.5f;
        m.data()[0] = 1f;   // isolated (0,0) is diagonal-adjacent to (1,1): joins A
        // component B: 3 pixels, far away
        m.data()[7 * 10 + 7] = 0.9f; m.data()[7 * 10 + 8] = 0.9f; m.data()[7 * 10 + 9] = 0.9f;
        // below threshold noise
        m.data()[3 * 10 + 8] = 0.1f;
        Box b = Boxes.fromMap(m, 0.15).orElseThrow();
        assertEquals(Box.ofPixels(0, 0, 4, 4), b);
    }

    @Test
    void emptyMapHasNoBox() {
        assertTrue(Boxes.fromMap(Tensor.zeros(5, 5), 0.15).isEmpty());
        assertFalse(Boxes.pointingHit(Tensor.zeros(5, 5), Box.ofPixels(0, 0, 4, 4)));
    }

    @Test
    void iouAndPointing() {
        assertEquals(1.0, Boxes.iou(Box.ofPixels(2, 2, 5, 5), Box.ofPixels(2, 2, 5, 5)), 1e-12);
        assertEquals(4.0 / (16 + 16 - 4), Boxes.iou(Box.ofPixels(0, 0, 3, 3), Box.ofPixels(2, 2, 5, 5)), 1e-12);
        assertEquals(0, Boxes.iou(Box.ofPixels(0, 0, 1, 1), Box.ofPixels(3, 3, 4, 4)));
        Tensor m = Tensor.zeros(6, 6);
        m.data()[4 * 6 + 3] = 2f;
        assertTrue(Boxes.pointingHit(m, Box.ofPixels(3, 4, 3, 4)));
        assertFalse(Boxes.pointingHit(m, Box.ofPixels(0, 0, 2, 3)));
    }
}
