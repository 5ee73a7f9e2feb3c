package ai.spectrum.analysis;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingularValuesTests {
    /** Long sides beyond one 2^20-element slab, with a partial last slab, accumulate the same Gram spectrum. */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"3000, 400", "400, 3000", "5000, 300"})
    void gramAccumulatedOverSlabsMatchesGesvd(int rows, int cols) {
        assertTrue(Math.max(rows, cols) > SingularValues.SLAB_ELEMENTS / Math.min(rows, cols), "needs several slabs");
        Nd4j.getRandom().setSeed(rows * 31L + cols);
        INDArray w = Nd4j.randn(DataType.FLOAT, rows, cols);
        double[] g = SingularValues.gram(w).values();
        double[] s = SingularValues.gesvd(w).values();
        assertEquals(s.length, g.length);
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i], g[i], 1e-10 * s[0], "singular value " + i);
        }
    }
}
