package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Network#forwardCopies} on the CPU backend (the host definition, {@link InputCopies#make}): it forwards what
 * the recipe makes, and refuses ranges and shapes that do not fit with a message naming them. Hand-made cases.
 */
class InputCopiesTest {
    private static Model tiny() {
        Architecture arch = Architecture.custom("tiny", 32, new int[] {1, 1, 1, 1, 1}, new int[] {2, 2, 2, 2, 2},
                new int[] {4}, 3, Head.FC, 0);
        return RandomWeights.model(arch, 1);
    }

    @Test
    void theCpuBackendForwardsWhatTheRecipeMakes() {
        Model m = tiny();
        float[] x = new float[3 * 32 * 32];
        for (int i = 0; i < x.length; i++) x[i] = i % 17 - 8;
        Tensor image = new Tensor(x, 3, 32, 32);
        InputCopies occ = new InputCopies.Occluded(new float[] {-1, -2, -3}, 32, 16, 8);
        assertEquals(9, occ.count(), "(32 - 16) / 8 + 1 = 3 positions per side");
        Tensor made = occ.make(image, 4, 5);   // the centre patch: rows and columns 8..23
        assertEquals(-1f, made.get(0, 0, 8, 8));
        assertEquals(-3f, made.get(0, 2, 23, 23));
        assertEquals(image.get(0, 7, 7), made.get(0, 0, 7, 7));
        assertEquals(image.get(1, 24, 8), made.get(0, 1, 24, 8));
        try (CpuBackend cpu = new CpuBackend(1); Network net = cpu.load(m);
             ForwardPass a = net.forwardCopies(image, occ, 3, 6, null); ForwardPass b = net.forward(occ.make(image, 3, 6), null)) {
            assertArrayEquals(b.logits().data(), a.logits().data());
        }
    }

    @Test
    void badRangesAndShapesAreRefused() {
        Model m = tiny();
        Tensor image = Tensor.zeros(3, 32, 32);
        InputCopies path = new InputCopies.PathPoints(new float[3], new double[] {0, 0.5, 1});
        try (CpuBackend cpu = new CpuBackend(1); Network net = cpu.load(m)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.forwardCopies(image, path, 2, 4, null));
            assertTrue(e.getMessage().contains("copies 2..4 outside the recipe's 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.forwardCopies(Tensor.zeros(3, 4, 4), path, 0, 1, null));
            assertTrue(e.getMessage().startsWith("image must be (3 x 32 x 32)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> net.forwardCopies(image, new InputCopies.Occluded(new float[3], 16, 4, 4), 0, 1, null));
            assertTrue(e.getMessage().contains("occlusion made for inputs of 16, not 32"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new InputCopies.Occluded(new float[3], 32, 33, 1));
        assertThrows(IllegalArgumentException.class, () -> new InputCopies.Noisy(new float[5], 1, 2, 1.0));
    }
}
